import http from 'node:http';
import https from 'node:https';
import { classifyHttpStatus, type HttpHeaders } from './classify.ts';
import { EXCERPT_LIMIT, MASK, describeUrl, redact } from './redact.ts';
import { DeliveryError, type HttpRequestSpec, type SendResult } from './types.ts';

/** A request to make plus the positions, in the batch, of the events it carries. */
export interface PlannedRequest {
  spec: HttpRequestSpec;
  positions: number[];
}

export interface HttpResponse {
  status: number;
  headers: HttpHeaders;
  /** The start of the body (at most RESPONSE_LIMIT bytes); the rest is discarded. */
  body: string;
}

const RESPONSE_LIMIT = 16 * 1024;

/**
 * Sends requests over keep-alive connections (node:http: cheaper per request than fetch
 * at tens of thousands of events a second). Network failures and timeouts become
 * retryable DeliveryErrors; any answer is returned for classification.
 */
export class HttpClient {
  readonly #http: http.Agent;
  readonly #https: https.Agent;

  constructor(opts: { maxSockets?: number } = {}) {
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, scheduling: 'lifo' as const };
    this.#http = new http.Agent(agentOpts);
    this.#https = new https.Agent(agentOpts);
  }

  request(spec: HttpRequestSpec, signal: AbortSignal): Promise<HttpResponse> {
    const target = `${spec.method} ${describeUrl(spec.url)}`;
    return new Promise((resolve, reject) => {
      let url: URL;
      try {
        url = new URL(spec.url);
      } catch (err) {
        reject(new DeliveryError(`sending ${target}: the URL is not valid`, { kind: 'permanent', code: 'bad_url', cause: err }));
        return;
      }
      const secure = url.protocol === 'https:';
      const body = Buffer.from(spec.body);
      const req = (secure ? https : http).request(url, {
        method: spec.method,
        headers: { ...spec.headers, 'content-length': String(body.length) },
        agent: secure ? this.#https : this.#http,
        signal,
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < RESPONSE_LIMIT) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
        });
        res.on('error', (err) => reject(networkError(target, err, signal)));
      });
      req.on('error', (err) => reject(networkError(target, err, signal)));
      req.end(body);
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

function networkError(target: string, err: Error, signal: AbortSignal): DeliveryError {
  if (signal.aborted) {
    const timeout = signal.reason instanceof Error && signal.reason.name === 'TimeoutError';
    const code = timeout ? 'timeout' : 'aborted';
    return new DeliveryError(`sending ${target}: ${timeout ? 'no answer before the timeout' : 'aborted'}`, { kind: 'retryable', code, cause: err });
  }
  const code = (err as NodeJS.ErrnoException).code ?? 'network';
  return new DeliveryError(`sending ${target}: ${err.message}`, { kind: 'retryable', code, cause: err });
}

/** The outcome of one answer for the events its request carried. */
export function resultForResponse(spec: HttpRequestSpec, res: HttpResponse, secrets: readonly string[], now = Date.now()): SendResult {
  const c = classifyHttpStatus(res.status, res.headers, now);
  if (c.ok) return { ok: true };
  const excerpt = redact(res.body, secrets);
  const error = new DeliveryError(`sending ${spec.method} ${describeUrl(spec.url)}: answered ${res.status}${excerpt ? `: ${redact(excerpt, secrets, 200)}` : ''}`, {
    kind: c.kind,
    status: res.status,
    bodyExcerpt: excerpt,
    ...(c.retryAfterMs === undefined ? {} : { retryAfterMs: c.retryAfterMs }),
  });
  return { ok: false, error };
}

/**
 * Any error on its way to logs, status or the dead-letter stream: credential values
 * masked, body excerpt bounded; anything that is not a DeliveryError counts as retryable.
 */
export function asDeliveryError(err: unknown, secrets: readonly string[]): DeliveryError {
  if (err instanceof DeliveryError) {
    const leaks = (text: string | undefined) => text !== undefined && secrets.some((s) => s.length >= 4 && text.includes(s));
    if (!leaks(err.message) && !leaks(err.bodyExcerpt) && (err.bodyExcerpt?.length ?? 0) <= EXCERPT_LIMIT) return err;
    return new DeliveryError(redact(err.message, secrets, 2000), {
      kind: err.kind,
      ...(err.status === undefined ? {} : { status: err.status }),
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
      ...(err.bodyExcerpt === undefined ? {} : { bodyExcerpt: redact(err.bodyExcerpt, secrets) }),
      ...(err.code === undefined ? {} : { code: err.code }),
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeliveryError(redact(`sending: ${message}`, secrets, 2000), { kind: 'retryable', code: 'internal', cause: err });
}

/** A request as `preview` shows it: every credential value in headers, URL and body masked. */
export function maskRequest(spec: HttpRequestSpec, secrets: readonly string[]): HttpRequestSpec {
  const mask = (s: string) => redact(s, secrets, Number.MAX_SAFE_INTEGER);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers)) headers[k] = /^authorization$/i.test(k) ? maskAuthorization(v, mask) : mask(v);
  return { ...spec, url: mask(spec.url), headers, body: mask(spec.body) };
}

/** Keeps the scheme readable ("Bearer ***") and masks the credential even when derived (Basic). */
function maskAuthorization(value: string, mask: (s: string) => string): string {
  const m = /^(\S+)\s+\S/.exec(value);
  return m ? `${m[1]} ${MASK}` : mask(value);
}
