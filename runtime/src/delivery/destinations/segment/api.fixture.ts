import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the API under imitation received it: raw bytes kept for exact checks. */
export interface SeenRequest {
  method: string;
  /** Path and query string. */
  url: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

export type ApiAnswer = { status: number; headers?: Record<string, string>; body?: string };

/**
 * A real HTTP server on 127.0.0.1 standing in for a destination's API in contract tests:
 * it records every request and answers as the test scripts, per request.
 */
export interface FakeApi {
  readonly base: string;
  readonly seen: SeenRequest[];
  answer: (req: SeenRequest, index: number) => ApiAnswer;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const seen: SeenRequest[] = [];
  const ok = (): ApiAnswer => ({ status: 200, body: '{}' });
  let answer: FakeApi['answer'] = ok;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let json: unknown;
      try {
        json = JSON.parse(raw.toString('utf8')) as unknown;
      } catch {
        json = undefined;
      }
      const s: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, json };
      seen.push(s);
      const a = answer(s, seen.length - 1);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    get answer() {
      return answer;
    },
    set answer(fn) {
      answer = fn;
    },
    reset() {
      seen.length = 0;
      answer = ok;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The Basic credentials of a request, decoded: [user, password]. */
export function basicCredentials(headers: IncomingHttpHeaders): [string, string] | undefined {
  const m = /^Basic (.+)$/.exec(headers.authorization ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
}
