import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { openEmbeddedBus, type EmbeddedBus } from '../bus/embedded.ts';
import type { DestinationRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { createMetrics, type Metrics } from '../observe/metrics.ts';
import { createDelivery, type Delivery, type DeliveryOptions } from './engine.ts';

/** Test and benchmark scaffolding: a real embedded bus in a temp dir and a delivery engine on it. */
export interface Rig {
  bus: EmbeddedBus;
  metrics: Metrics;
  delivery: Delivery;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startRig(
  destinations: DestinationRuntime[],
  opts: { sources?: string[]; delivery?: Partial<DeliveryOptions>; start?: boolean } = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-delivery-'));
  const bus = await openEmbeddedBus({ path: join(dir, 'bus.db') });
  for (const s of opts.sources ?? ['web']) await bus.ensureSource(s, { retentionMs: 3_600_000 });
  const metrics = createMetrics({ defaultMetrics: false });
  const logs: Array<Record<string, unknown>> = [];
  const delivery = createDelivery({
    bus,
    metrics,
    destinations,
    log: (e) => logs.push(e),
    fetchWaitMs: 50,
    lagIntervalMs: 100,
    ...opts.delivery,
  });
  if (opts.start !== false) await delivery.start();
  return {
    bus,
    metrics,
    delivery,
    logs,
    async close() {
      await delivery.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** `n` track events with unique messageIds (prefix-0, prefix-1, …). */
export function trackEvents(n: number, prefix = `e${++counter}`, extra: Partial<SegmentEvent> = {}): SegmentEvent[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => ({
    type: 'track' as const,
    event: 'Order Completed',
    messageId: `${prefix}-${i}`,
    userId: `user-${i % 10}`,
    properties: { order_id: `o-${i}`, revenue: 10 + i },
    timestamp: at,
    receivedAt: at,
    ...extra,
  }));
}

export function webhookDestination(name: string, url: string, over: Partial<DestinationRuntime['spec']> = {}, credentials: Record<string, string> = {}): DestinationRuntime {
  return {
    name,
    credentials,
    spec: {
      sources: [{ name: 'web' }],
      type: 'webhook',
      settings: { url, batch: true },
      delivery: { batchSize: 100, maxInFlight: 4, timeout: '2s', maxAge: '1m', backoff: { initial: '20ms', max: '100ms' } },
      startFrom: '1h',
      ...over,
    },
  };
}

/** A receiver that parses each body as a real endpoint would and answers 200, in its own thread so it does not compete with delivery for the event loop. */
const RECEIVER_THREAD = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

/** For benchmarks: a local webhook receiver on 127.0.0.1 in a worker thread. */
export async function startReceiverThread(): Promise<{ url: string; stop: () => Promise<number> }> {
  const worker = new Worker(RECEIVER_THREAD, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (p: number) => resolve(p));
    worker.once('error', reject);
  });
  return { url: `http://127.0.0.1:${port}/hook`, stop: () => worker.terminate() };
}

/** For benchmarks: starts delivery on a published backlog and waits until `events` are delivered or filtered; seconds taken. */
export async function drainBacklog(rig: Rig, destination: string, events: number): Promise<{ seconds: number; delivered: number; filtered: number; p95LatencyMs?: number | undefined }> {
  const t0 = performance.now();
  await rig.delivery.start();
  for (;;) {
    const s = rig.delivery.stats()[destination];
    if (s && s.delivered + s.filtered + s.deadLettered >= events) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - t0) / 1000;
  const s = rig.delivery.stats()[destination];
  return { seconds, delivered: s?.delivered ?? 0, filtered: s?.filtered ?? 0, p95LatencyMs: s?.p95LatencyMs };
}
