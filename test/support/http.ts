import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A string or Buffer is sent with Content-Length; a stream is sent chunked. Objects are JSON-encoded. */
  body?: string | Buffer | Readable | object;
  timeoutMs?: number;
  agent?: Agent;
  /** Stop reading the response after this many bytes (a hostile server cannot exhaust the test). */
  maxResponseBytes?: number;
}

/**
 * One HTTP request over node:http. When the server answers before the request body is
 * fully sent (an early 400/413 on an oversize or endless upload), the answer is returned
 * and the upload abandoned; the write error that follows is expected and ignored.
 */
export function request(url: string, opts: RequestOptions = {}): Promise<HttpResponse> {
  const { body, stream } = encodeBody(opts.body);
  const headers: Record<string, string> = { ...opts.headers };
  if (body !== undefined) headers['content-length'] ??= String(body.length);
  if (opts.body !== undefined && !isBinary(opts.body) && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';
  const maxBytes = opts.maxResponseBytes ?? 4 * 1024 * 1024;

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    const done = (err: Error | undefined, res?: HttpResponse) => {
      if (settled) return;
      settled = true;
      if (stream) {
        stream.destroy();
        // An abandoned upload would otherwise keep its socket open.
        req.destroy();
      }
      if (err) reject(err);
      else resolve(res!);
    };
    const req = httpRequest(url, { method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'), headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxBytes) chunks.push(c);
      });
      res.on('error', (err) => done(new Error(`reading the response of ${url}: ${err.message}`, { cause: err })));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        done(undefined, { status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
      });
    });
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 15_000} ms`)));
    req.on('error', (err) => done(new Error(`requesting ${opts.method ?? 'GET'} ${url}: ${err.message}`, { cause: err })));
    if (stream) {
      stream.on('error', (err) => req.destroy(err));
      // An early answer closes the socket mid-upload; the response handler settles first.
      req.on('response', () => stream.unpipe(req));
      stream.pipe(req);
    } else {
      req.end(body);
    }
  });
}

function encodeBody(body: RequestOptions['body']): { body?: Buffer; stream?: Readable } {
  if (body === undefined) return {};
  if (body instanceof Readable) return { stream: body };
  if (Buffer.isBuffer(body)) return { body };
  if (typeof body === 'string') return { body: Buffer.from(body) };
  return { body: Buffer.from(JSON.stringify(body)) };
}

function isBinary(body: NonNullable<RequestOptions['body']>): boolean {
  return Buffer.isBuffer(body) || body instanceof Readable;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}
