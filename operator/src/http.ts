import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** One small HTTP server per concern: metrics (scraped) and health (probed) on their own ports. */
export function metricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics: ${(err as Error).message}\n`),
    );
  });
}

export function healthServer(checks: { live: () => boolean; ready: () => boolean }): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    const answer = (ok: boolean) => res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
    if (req.method === 'GET' && path === '/healthz') answer(checks.live());
    else if (req.method === 'GET' && path === '/readyz') answer(checks.ready());
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('try GET /healthz or /readyz\n');
  });
}

export function listenOn(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`listening for ${what} on ${host}:${port}: ${err.message}`, { cause: err })));
    server.listen(port, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
