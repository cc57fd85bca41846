/**
 * NATS bus throughput (not a test): publish in batches of 100 with several batches in
 * flight (as an ingest process under load does), then fetch and ack the backlog (as a
 * delivery process does). Prints a table and one JSON line; never fails on speed.
 * Starts its own nats-server unless NATS_URL points at one.
 * Run: node runtime/src/bus/nats/nats.bench.ts [events]
 */
import { randomUUID } from 'node:crypto';
import type { SegmentEvent } from '../../event.ts';
import { startNatsServer, type NatsServer } from '../../../../test/nats/server.ts';
import { deleteStreams } from '../../../../test/nats/streams.ts';
import { openNatsBus } from './index.ts';

const EVENTS = Number(process.argv[2] ?? 100_000);
const BATCH = 100;
const REPEATS = 3;

interface Row {
  case: string;
  eventsPerSecond: number;
}

function payload(id: string): SegmentEvent {
  return {
    type: 'track',
    messageId: id,
    event: 'Order Completed',
    userId: 'user-12345',
    anonymousId: '6f1c7a52-58a4-4d4f-9c7e-0c2d3c1c9b11',
    properties: { order_id: 'o-98765', revenue: 42.5, currency: 'EUR', products: [{ sku: 'sku-1', price: 21.25, quantity: 2 }] },
    context: { library: { name: 'analytics-node', version: '3.1.0' }, ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)' },
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.100Z',
  };
}

async function run(url: string, inFlight: number): Promise<{ publish: number; consume: number }> {
  const prefix = `BENCH${randomUUID().slice(0, 6)}`;
  const bus = await openNatsBus({ servers: url, prefix });
  try {
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 60_000 });
    const batches = Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) => Array.from({ length: BATCH }, (_, i) => payload(`${prefix}-${b}-${i}`)));
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < batches.length) await bus.publish('web', batches[next++]!);
      }),
    );
    const publish = (batches.length * BATCH) / ((performance.now() - started) / 1_000);

    let consumed = 0;
    const t0 = performance.now();
    while (consumed < batches.length * BATCH) {
      const got = await sub.fetch(1_000, 1_000);
      if (got.length === 0) break;
      await Promise.all(got.map((d) => d.ack()));
      consumed += got.length;
    }
    const consume = consumed / ((performance.now() - t0) / 1_000);
    return { publish, consume };
  } finally {
    await bus.close();
    await deleteStreams(url, prefix);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  let server: NatsServer | undefined;
  const url = process.env['NATS_URL'] ?? (server = await startNatsServer()).url;
  const rows: Row[] = [];
  try {
    for (const inFlight of [4, 16]) {
      const runs = [];
      for (let r = 0; r < REPEATS; r++) runs.push(await run(url, inFlight));
      rows.push({ case: `publish, batches of ${BATCH}, ${inFlight} in flight`, eventsPerSecond: Math.round(median(runs.map((x) => x.publish))) });
      rows.push({ case: `fetch 1000 + ack each (after ${inFlight} in flight)`, eventsPerSecond: Math.round(median(runs.map((x) => x.consume))) });
    }
  } finally {
    await server?.close();
  }
  const width = Math.max(...rows.map((r) => r.case.length));
  console.log(`NATS bus, ${EVENTS} events of ~${JSON.stringify(payload('x'.repeat(36))).length} bytes, median of ${REPEATS}`);
  for (const r of rows) console.log(`${r.case.padEnd(width)}  ${String(r.eventsPerSecond).padStart(8)} events/s`);
  console.log(JSON.stringify({ bench: 'nats-bus', events: EVENTS, results: rows }));
}

await main();
