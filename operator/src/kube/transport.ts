import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext } from '@kubernetes/client-node';
import { libraryConfig, type ClusterConfig } from './config.ts';
import { KubeApiError, type ApiStatus } from './errors.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | boolean | undefined>;

export interface HttpRequest {
  method: Method;
  path: string;
  query?: Query;
  /** Serialised as JSON (which is also YAML, for apply patches). */
  body?: unknown;
  contentType?: string;
  /** Gives up after this long (default 30 s); 0 for none (watches bound themselves). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** How long one connection pool serves before a fresh one picks up rotated client certificates. */
const POOL_MAX_AGE_MS = 10 * 60_000;

/** Counts every request, for the benchmark's "API requests issued" and the operator's metrics. */
export type RequestObserver = (method: Method, status: number, ms: number) => void;

/**
 * HTTP to the API server through the client library's authentication (client certificates,
 * bearer tokens, exec plugins, in-cluster token refresh) and connection pooling. Everything
 * above speaks plain JSON through this.
 */
export class Transport {
  readonly config: ClusterConfig;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly observers: RequestObserver[] = [];
  private pool: { dispatcher: Dispatcher; since: number } | undefined;

  constructor(config: ClusterConfig) {
    this.config = config;
  }

  observe(fn: RequestObserver): void {
    this.observers.push(fn);
  }

  /** Sends the request and parses the JSON answer; throws KubeApiError for any non-2xx. */
  async json<T>(req: HttpRequest): Promise<T> {
    const text = await this.send(req, (res) => res.body.text(), true);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Opens a streaming response (a watch) and returns its body; throws KubeApiError for non-2xx.
   * Each watch has a connection of its own: one that goes silent is dropped with its watch and
   * never handed to a later request.
   */
  async stream(req: HttpRequest): Promise<ReadableStream<Uint8Array>> {
    return this.send(req, (res) => {
      const body = res.body.stream();
      if (!body) throw new KubeApiError(`${describe(req)}: the response has no body`, res.httpStatusCode, 'NoBody');
      return Promise.resolve(body);
    });
  }

  private async send<R>(
    req: HttpRequest,
    read: (res: { httpStatusCode: number; body: { text(): Promise<string>; stream(): ReadableStream<Uint8Array> | null } }) => Promise<R>,
    pooled = false,
  ): Promise<R> {
    const url = new URL(this.config.server.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const ctx = new RequestContext(url.toString(), HttpMethod[req.method]);
    ctx.setHeaderParam('Accept', 'application/json');
    ctx.setHeaderParam('User-Agent', 'sluice-operator');
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    const signals = [req.signal, req.timeoutMs === 0 ? undefined : AbortSignal.timeout(req.timeoutMs ?? 30_000)].filter((s) => s !== undefined);
    if (signals.length > 0) ctx.setSignal(signals.length === 1 ? signals[0]! : AbortSignal.any(signals));
    const started = performance.now();
    let status = 0;
    try {
      await libraryConfig(this.config).applySecurityAuthentication(ctx);
      if (pooled) this.sharePool(ctx);
      const res = await this.http.send(ctx).toPromise();
      status = res.httpStatusCode;
      if (status < 200 || status >= 300) throw errorFrom(req, status, await res.body.text().catch(() => ''));
      return await read(res);
    } catch (err) {
      if (err instanceof KubeApiError) throw err;
      const why = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
      throw new KubeApiError(`${describe(req)}: ${why}`, 0, err instanceof Error && err.name === 'TimeoutError' ? 'Timeout' : 'NoResponse', {
        cause: err,
      });
    } finally {
      const ms = performance.now() - started;
      for (const o of this.observers) o(req.method, status, ms);
    }
  }

  /**
   * The library hands every request a new dispatcher: a TLS handshake and a new secure context
   * per call, and thousands of idle keep-alive sockets under load (seconds per reconcile and
   * hundreds of MB with 1,000 Sources). Headers (tokens) stay per request; the pool is shared.
   */
  private sharePool(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    // None for plain HTTP without TLS settings: fetch's global pool already reuses connections.
    if (!fresh) return;
    const now = Date.now();
    if (this.pool && now - this.pool.since < POOL_MAX_AGE_MS) {
      // The unused one never connected: nothing to close.
      ctx.setDispatcher(this.pool.dispatcher);
      return;
    }
    const old = this.pool?.dispatcher;
    this.pool = { dispatcher: fresh, since: now };
    // Requests in flight finish on the old pool; then it closes.
    old?.close().catch(() => {});
  }
}

function describe(req: HttpRequest): string {
  return `${req.method} ${req.path}`;
}

function errorFrom(req: HttpRequest, status: number, text: string): KubeApiError {
  let body: ApiStatus | undefined;
  try {
    const parsed = JSON.parse(text) as ApiStatus;
    if (parsed && typeof parsed === 'object') body = parsed;
  } catch {
    /* not JSON: keep the text */
  }
  const message = body?.message ?? (text.slice(0, 500) || `HTTP ${status}`);
  return new KubeApiError(`${describe(req)}: ${message}`, status, body?.reason ?? `HTTP${status}`, { body });
}
