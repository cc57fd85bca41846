import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SegmentEvent } from '../event.ts';
import type { Metrics } from '../observe/metrics.ts';
import type { Violation } from '../plan/types.ts';

/** Events a Source recently stored, or quarantined: what `sluice preview --sample/--from-quarantine` reads. */
export interface RecentEventsReader {
  /** Newest first; undefined for an unknown source. */
  recentEvents(source: string, n: number, from: 'accepted' | 'quarantine'): Promise<RecentEvent[] | undefined>;
}
export interface RecentEvent {
  event: SegmentEvent;
  /** Why the plan blocked it (quarantine only). */
  violations?: Violation[];
}
export const MAX_RECENT_EVENTS = 100;

export interface RuntimeServerOptions {
  metrics: Metrics;
  /** Serves /v1/… (the ingest) and, when it can, /events/recent; absent in delivery-only processes. */
  ingest?: { handle(req: IncomingMessage, res: ServerResponse): void } & Partial<RecentEventsReader>;
  status: () => Promise<unknown>;
  ready: () => boolean;
}

/**
 * The one HTTP server of a runtime process: the Segment API under /v1/, plus
 * /metrics, /status, /healthz, /readyz and /events/recent?source=&n=&from=accepted|quarantine.
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
    case '/events/recent':
      // A process without an ingest keeps no events.
      if (opts.ingest?.recentEvents) await serveRecent(url, res, opts.ingest.recentEvents);
      else sendJson(res, 404, { error: 'no recent events: this process serves no Source' });
      return;
    default:
      sendJson(res, 404, { error: `no such path ${path ?? ''}; try /v1/…, /status, /metrics, /healthz or /readyz` });
  }
}

async function serveRecent(url: string, res: ServerResponse, read: RecentEventsReader['recentEvents']): Promise<void> {
  const q = new URL(url, 'http://localhost').searchParams;
  const source = q.get('source') ?? '';
  const n = Number(q.get('n') ?? '10');
  const from = q.get('from') ?? 'accepted';
  if (!source || !Number.isInteger(n) || n < 1 || n > MAX_RECENT_EVENTS || (from !== 'accepted' && from !== 'quarantine')) {
    sendJson(res, 400, { error: `reading recent events: expected ?source=<name>&n=<1-${MAX_RECENT_EVENTS}>&from=accepted|quarantine` });
    return;
  }
  const events = await read(source, n, from);
  if (!events) sendJson(res, 404, { error: `reading recent events: no source "${source}"` });
  else sendJson(res, 200, { source, from, events });
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
