// `sluice ingest` (the process a Source's pods run) against a real nats-server that goes
// away mid-test: while NATS is down every request is answered 503 with Retry-After, never
// 200; once it is back requests succeed again, and every event answered 200 is in the stream.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNatsBus } from '../../runtime/src/bus/nats/index.ts';
import { startIngestProcess } from '../../runtime/src/cluster/ingest.ts';
import type { RuntimeProcess } from '../../runtime/src/cluster/process.ts';
import { renderConfig, renderSource, serializeRendered } from '../../runtime/src/cluster/rendered.ts';
import type { SourceSpec } from '../../operator/src/api/index.ts';
import { waitFor } from '../support/wait.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';

const WRITE_KEY = 'busops-write-key';

describe('sluice ingest while NATS goes away and comes back', () => {
  let nats: NatsServer;
  let ingest: RuntimeProcess | undefined;
  let dir: string;
  let seq = 0;
  const accepted: string[] = [];

  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'sluice-busops-ingest-'));
    mkdirSync(join(dir, 'secrets', 'web-key'), { recursive: true });
    writeFileSync(join(dir, 'secrets', 'web-key', 'writeKey'), WRITE_KEY);
    const spec = { writeKeys: [{ secretRef: { name: 'web-key', key: 'writeKey' } }], retention: '1h' } as SourceSpec;
    writeFileSync(join(dir, 'config.json'), serializeRendered(renderConfig({ namespace: 'busops', sources: [renderSource('web', spec)] })));
    ingest = await startIngestProcess({
      configPath: join(dir, 'config.json'),
      secretsDir: join(dir, 'secrets'),
      busUrl: nats.url,
      port: 0,
      host: '127.0.0.1',
      shutdownDelayMs: 0,
      log: () => undefined,
    });
    await waitFor(() => ingest?.ready(), { timeoutMs: 15_000, what: 'the ingest to be ready' });
  }, 40_000);

  afterAll(async () => {
    await ingest?.stop();
    await nats?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One batch of two events; the ids are remembered when the answer is 200. */
  async function send(): Promise<Response> {
    const ids = [`m-${++seq}-a`, `m-${seq}-b`];
    const res = await fetch(`http://127.0.0.1:${ingest!.port}/v1/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}` },
      body: JSON.stringify({ batch: ids.map((messageId) => ({ type: 'track', event: 'Order Completed', userId: 'u1', messageId })) }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 200) accepted.push(...ids);
    return res;
  }

  it('stores events before anything provisioned the source: the ingest creates its stream', async () => {
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);
  });

  it('answers 503 with Retry-After while NATS is down, never 200', async () => {
    await nats.stop();
    const first = await waitFor(
      async () => {
        const res = await send();
        return res.status === 503 ? res : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'a 503 once NATS is gone' },
    );
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) {
      const res = await send();
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await res.json()) as { success?: boolean }).success).toBe(false);
    }
  }, 30_000);

  it('answers 200 again once NATS is back, and every event answered 200 is in the stream', async () => {
    await nats.start();
    await waitFor(async () => (await send()).status === 200, { timeoutMs: 20_000, intervalMs: 100, what: 'a 200 once NATS is back' });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);

    const bus = await openNatsBus({ servers: nats.url, namespace: 'busops' });
    try {
      const sub = await bus.subscribe('busops-check', 'web', { startFrom: { kind: 'time', time: new Date(0) }, ackWaitMs: 30_000 });
      const stored = new Set<string>();
      await waitFor(
        async () => {
          for (const d of await sub.fetch(500, 500)) stored.add(d.event.messageId);
          return stored.size >= accepted.length;
        },
        { timeoutMs: 10_000, what: 'the accepted events in the stream' },
      );
      expect(accepted.filter((id) => !stored.has(id))).toEqual([]);
      expect(accepted.length).toBeGreaterThanOrEqual(14);
      await sub.close();
    } finally {
      await bus.close();
    }
  }, 40_000);
});
