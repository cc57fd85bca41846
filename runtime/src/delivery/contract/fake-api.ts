import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the API under imitation received it: raw bytes kept for exact checks. */
export interface SeenRequest {
  method: string;
  /** Path and query string, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
  /** The client's port: tells whether requests shared a keep-alive connection. */
  socket: string;
}

export type ApiAnswer = { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };
export type Answerer = (req: SeenRequest, index: number) => ApiAnswer;

const OK: Answerer = () => ({ status: 200, body: '{}' });

/**
 * A real HTTP server on 127.0.0.1 standing in for a destination's API in contract tests:
 * it records every request and answers as the test scripts, per request.
 */
export class FakeApi {
  readonly seen: SeenRequest[] = [];
  answer: Answerer;
  readonly #initial: Answerer;
  #server: Server | undefined;
  #base = '';

  constructor(answer: Answerer = OK) {
    this.#initial = answer;
    this.answer = answer;
  }

  /** http://127.0.0.1:<port> */
  get base(): string {
    if (!this.#base) throw new Error('using the fake API: it is not started');
    return this.#base;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://local');
        const s: SeenRequest = {
          method: req.method ?? '',
          url: req.url ?? '',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          raw,
          json: parseJson(raw),
          socket: String(req.socket.remotePort),
        };
        this.seen.push(s);
        const a = this.answer(s, this.seen.length - 1);
        const reply = () => {
          if (res.destroyed) return;
          res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
          res.end(a.body ?? '{}');
        };
        if (a.delayMs) setTimeout(reply, a.delayMs);
        else reply();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Forgets the requests and goes back to the first answer. */
  reset(): void {
    this.seen.length = 0;
    this.answer = this.#initial;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** The request body as JSON of the shape the test expects. */
export function bodyOf<T>(req: SeenRequest): T {
  return JSON.parse(req.raw.toString('utf8')) as T;
}

/** The Basic credentials of a request, decoded: [user, password]. */
export function basicCredentials(headers: IncomingHttpHeaders): [string, string] | undefined {
  const m = /^Basic (.+)$/.exec(headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
}
