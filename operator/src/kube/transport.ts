import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { connect, type ClusterConfig } from './config.ts';
import type { Connection } from './connection.ts';
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

/** Counts every request, for the benchmark's "API requests issued" and the operator's metrics. */
export type RequestObserver = (method: Method, status: number, ms: number) => void;

/**
 * HTTP to the API server over node:https: one keep-alive pool per client, its own socket for
 * each watch, authentication from the loaded configuration (see connection.ts). Everything
 * above speaks plain JSON through this.
 */
export class Transport {
  readonly config: ClusterConfig;
  private readonly connection: Connection;
  private readonly observers: RequestObserver[] = [];

  constructor(config: ClusterConfig) {
    this.config = config;
    this.connection = connect(config);
  }

  observe(fn: RequestObserver): void {
    this.observers.push(fn);
  }

  /** Sends the request and parses the JSON answer; throws KubeApiError for any non-2xx. */
  async json<T>(req: HttpRequest): Promise<T> {
    const text = await this.send(req, readText, 'pooled');
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Opens a streaming response (a watch) and returns its body; throws KubeApiError for non-2xx.
   * Each watch has a connection of its own: one that goes silent is dropped with its watch and
   * never handed to a later request.
   */
  async stream(req: HttpRequest): Promise<ReadableStream<Uint8Array>> {
    return this.send(req, (res) => Promise.resolve(Readable.toWeb(res) as ReadableStream<Uint8Array>), 'stream');
  }

  /** Closes idle pooled connections. */
  close(): void {
    this.connection.close();
  }

  private async send<R>(req: HttpRequest, read: (res: IncomingMessage) => Promise<R>, kind: 'pooled' | 'stream'): Promise<R> {
    const url = new URL(this.config.server.replace(/\/+$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const signals = [req.signal, req.timeoutMs === 0 ? undefined : AbortSignal.timeout(req.timeoutMs ?? 30_000)].filter((s) => s !== undefined);
    const signal = signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    const started = performance.now();
    let status = 0;
    try {
      const { agent, headers } = await this.connection.prepare(kind);
      const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
      const allHeaders: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'sluice-operator', ...headers };
      if (body) {
        allHeaders['Content-Type'] = req.contentType ?? 'application/json';
        allHeaders['Content-Length'] = String(body.length);
      }
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const r = send(url, { method: req.method, headers: allHeaders, agent, ...(signal ? { signal } : {}) }, resolve);
        r.on('error', reject);
        r.end(body);
      });
      status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) throw errorFrom(req, status, await readText(res).catch(() => ''));
      return await read(res);
    } catch (err) {
      if (err instanceof KubeApiError) throw err;
      const timedOut = signal?.aborted === true && signal.reason instanceof Error && signal.reason.name === 'TimeoutError';
      const why = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
      throw new KubeApiError(`${describe(req)}: ${why}`, 0, timedOut ? 'Timeout' : 'NoResponse', { cause: err });
    } finally {
      const ms = performance.now() - started;
      for (const o of this.observers) o(req.method, status, ms);
    }
  }
}

async function readText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
