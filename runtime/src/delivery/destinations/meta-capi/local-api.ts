import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Test scaffolding for the contract tests of the HTTP destinations: a real HTTP server on
 * 127.0.0.1 standing in for a vendor's API. It keeps every request's raw bytes and answers
 * as the test scripts it.
 */

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

export type Answer = { status: number; headers?: Record<string, string>; body?: string };

export interface LocalApi {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly seen: SeenRequest[];
  /** How the server answers each request (200 "{}" unless set). */
  answer: (req: SeenRequest) => Answer;
  reset(): void;
  close(): Promise<void>;
}

export async function startLocalApi(): Promise<LocalApi> {
  const api = {
    base: '',
    seen: [] as SeenRequest[],
    answer: (() => ({ status: 200 })) as (req: SeenRequest) => Answer,
    reset() {
      api.seen.length = 0;
      api.answer = () => ({ status: 200 });
    },
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, raw: Buffer.concat(chunks) };
      api.seen.push(seen);
      const a = api.answer(seen);
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return api;
}

/** The request body as JSON. */
export function bodyOf<T>(req: SeenRequest): T {
  return JSON.parse(req.raw.toString('utf8')) as T;
}
