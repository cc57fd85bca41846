import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Metrics } from '../observe/metrics.ts';

export interface RuntimeServerOptions {
  metrics: Metrics;
  /** Serves /v1/… (the ingest); absent in delivery-only processes. */
  ingest?: { handle(req: IncomingMessage, res: ServerResponse): void };
  status: () => Promise<unknown>;
  ready: () => boolean;
}

/**
 * The one HTTP server of a runtime process: the Segment API under /v1/, plus
 * /metrics, /status, /healthz and /readyz.
 */
export function createRuntimeServer(opts: RuntimeServerOptions): Server {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v1/') && opts.ingest) {
      opts.ingest.handle(req, res);
      return;
    }
    void serveAdmin(url, req, res, opts).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `serving ${url}: ${(err as Error).message}` });
      else res.destroy();
    });
  });
  // Segment SDKs keep connections open between flushes; outlive their idle timers.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  return server;
}

async function serveAdmin(url: string, req: IncomingMessage, res: ServerResponse, opts: RuntimeServerOptions): Promise<void> {
  const path = url.split('?', 1)[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendJson(res, 405, { error: `${req.method ?? ''} is not allowed on ${path ?? ''}` });
    return;
  }
  switch (path) {
    case '/healthz':
      sendJson(res, 200, { ok: true });
      return;
    case '/readyz':
      if (opts.ready()) sendJson(res, 200, { ready: true });
      else sendJson(res, 503, { ready: false });
      return;
    case '/metrics': {
      const body = await opts.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
      res.end(body);
      return;
    }
    case '/status':
      sendJson(res, 200, await opts.status());
      return;
    default:
      sendJson(res, 404, { error: `no such path ${path ?? ''}; try /v1/…, /status, /metrics, /healthz or /readyz` });
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, status === 200 ? 2 : 0);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`listening on ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use; pass --port with a free one' : err.message}`, { cause: err })),
    );
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}
