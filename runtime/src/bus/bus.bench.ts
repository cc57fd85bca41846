/**
 * Micro-benchmark of the embedded bus: `node runtime/src/bus/bus.bench.ts [scale]`.
 * Prints a table and one JSON line; never fails on speed. scale (default 1) multiplies
 * the event counts.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SegmentEvent } from '../event.ts';
import { openEmbeddedBus, type EmbeddedBus, type EmbeddedBusOptions, type EmbeddedBusStats } from './embedded.ts';
import { commitQuantile } from './embedded/writer.ts';

interface Row {
  scenario: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  commits: number;
  maxCommitMs: number;
  /** 99% of commits took at most this long (a histogram bucket bound), ms. */
  p99CommitMs: number;
  /** WAL file size at the end, MiB: shows whether checkpoints keep up. */
  walMiB: number;
}

const scale = Number(process.argv[2] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'sluice-bus-bench-'));
const rows: Row[] = [];

function sampleEvent(): SegmentEvent {
  const now = new Date().toISOString();
  return {
    type: 'track',
    messageId: `node-next-${Date.now()}-${randomUUID()}`,
    userId: `user-${Math.floor(Math.random() * 1e6)}`,
    event: 'Order Completed',
    properties: { order_id: randomUUID(), revenue: 42.5, currency: 'USD', products: [{ sku: 'sku-1', price: 19.5, quantity: 1 }, { sku: 'sku-2', price: 23, quantity: 1 }] },
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' }, ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36' },
    timestamp: now,
    originalTimestamp: now,
    sentAt: now,
    receivedAt: now,
  };
}

let currentWal = '';

function walMiB(): number {
  try {
    return +(statSync(currentWal).size / 2 ** 20).toFixed(1);
  } catch {
    return 0;
  }
}

async function withBus<T>(name: string, opts: Partial<EmbeddedBusOptions>, fn: (bus: EmbeddedBus) => Promise<T>): Promise<T> {
  const path = join(dir, `${name}.db`);
  currentWal = `${path}-wal`;
  const bus = await openEmbeddedBus({ path, ...opts });
  try {
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    return await fn(bus);
  } finally {
    await bus.close();
  }
}

function record(scenario: string, events: number, ms: number, bus: EmbeddedBus, before: EmbeddedBusStats): void {
  const s = bus.stats();
  const histogram = s.commitMsHistogram.map((n, i) => n - (before.commitMsHistogram[i] ?? 0));
  rows.push({
    scenario,
    events,
    seconds: +(ms / 1000).toFixed(2),
    eventsPerSecond: Math.round((events / ms) * 1000),
    commits: s.commits - before.commits,
    maxCommitMs: +s.maxCommitMs.toFixed(1),
    p99CommitMs: commitQuantile(histogram, 0.99),
    walMiB: walMiB(),
  });
}

/** `callers` loops each publishing batches of `batch` until `total` events went out. */
async function publishScenario(scenario: string, total: number, batch: number, callers: number, groupCommit: boolean): Promise<void> {
  await withBus(scenario.replace(/\W+/g, '-'), { groupCommit }, async (bus) => {
    const batches = Array.from({ length: Math.ceil(total / batch) }, () => Array.from({ length: batch }, sampleEvent));
    let next = 0;
    const before = bus.stats();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < batches.length) await bus.publish('web', batches[next++]!);
      }),
    );
    record(scenario, batches.length * batch, performance.now() - started, bus, before);
  });
}

/** Publishes `total`, then one consumer fetches `batch` at a time and acks each event. */
async function fetchScenario(scenario: string, total: number, batch: number, inFlight: number): Promise<void> {
  await withBus(scenario.replace(/\W+/g, '-'), {}, async (bus) => {
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 30_000 });
    for (let i = 0; i < total; i += 1_000) await bus.publish('web', Array.from({ length: 1_000 }, sampleEvent));
    const before = bus.stats();
    const started = performance.now();
    let done = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        for (;;) {
          const got = await sub.fetch(batch, 0);
          if (got.length === 0) return;
          await Promise.all(got.map((d) => d.ack()));
          done += got.length;
        }
      }),
    );
    record(scenario, done, performance.now() - started, bus, before);
    const lag = await sub.lag();
    if (lag !== 0) throw new Error(`fetch benchmark: lag ${lag} after draining`);
  });
}

/** Publishers and a consumer at once, as in `sluice run`: both rates over the same interval. */
async function mixedScenario(total: number, callers: number, inFlight: number): Promise<void> {
  await withBus('mixed', {}, async (bus) => {
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 30_000 });
    const batches = Array.from({ length: Math.ceil(total / 100) }, () => Array.from({ length: 100 }, sampleEvent));
    let next = 0;
    let published = 0;
    let delivered = 0;
    const before = bus.stats();
    const started = performance.now();
    const publishers = Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < batches.length) {
          const { stored } = await bus.publish('web', batches[next++]!);
          published += stored;
        }
      }),
    );
    const consumers = Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (delivered < total) {
          const got = await sub.fetch(100, 100);
          await Promise.all(got.map((d) => d.ack()));
          delivered += got.length;
        }
      }),
    );
    await publishers;
    const publishMs = performance.now() - started;
    await consumers;
    const ms = performance.now() - started;
    record(`mixed: publish batch=100 callers=${callers}`, published, publishMs, bus, before);
    record(`mixed: fetch+ack batch=100 inflight=${inFlight}`, delivered, ms, bus, before);
  });
}

/** How long opening takes with `total` events in the de-duplication window. */
async function reopenScenario(total: number): Promise<void> {
  const path = join(dir, 'reopen.db');
  const bus = await openEmbeddedBus({ path });
  await bus.ensureSource('web', { retentionMs: 3_600_000 });
  for (let i = 0; i < total; i += 1_000) await bus.publish('web', Array.from({ length: 1_000 }, sampleEvent));
  await bus.close();
  const started = performance.now();
  const again = await openEmbeddedBus({ path });
  const ms = performance.now() - started;
  rows.push({ scenario: `open with ${total} ids to de-duplicate`, events: again.stats().dedupEntries, seconds: +(ms / 1000).toFixed(2), eventsPerSecond: Math.round((total / ms) * 1000), commits: 0, maxCommitMs: 0, p99CommitMs: 0, walMiB: 0 });
  await again.close();
}

try {
  const n = Math.round(200_000 * scale);
  await publishScenario('publish batch=100 callers=1', n, 100, 1, true);
  await publishScenario('publish batch=100 callers=16 group', n, 100, 16, true);
  await publishScenario('publish batch=100 callers=16 no-group', n, 100, 16, false);
  await publishScenario('publish batch=1 callers=1', n / 10, 1, 1, true);
  await publishScenario('publish batch=1 callers=64 group', n / 4, 1, 64, true);
  await publishScenario('publish batch=1 callers=64 no-group', n / 10, 1, 64, false);
  await fetchScenario('fetch+ack batch=100 inflight=1', n, 100, 1);
  await fetchScenario('fetch+ack batch=100 inflight=8', n, 100, 8);
  await mixedScenario(n, 16, 4);
  await reopenScenario(n);

  const width = Math.max(...rows.map((r) => r.scenario.length));
  console.log(`${'scenario'.padEnd(width)}  ${'events'.padStart(8)}  ${'events/s'.padStart(9)}  ${'commits'.padStart(7)}  ${'p99 commit ms'.padStart(13)}  ${'max commit ms'.padStart(13)}  ${'WAL MiB'.padStart(7)}`);
  for (const r of rows) {
    const cells = [String(r.events).padStart(8), String(r.eventsPerSecond).padStart(9), String(r.commits).padStart(7), `≤ ${r.p99CommitMs}`.padStart(13), String(r.maxCommitMs).padStart(13), String(r.walMiB).padStart(7)];
    console.log(`${r.scenario.padEnd(width)}  ${cells.join('  ')}`);
  }
  console.log(JSON.stringify({ bench: 'bus-embedded', node: process.version, rows }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
