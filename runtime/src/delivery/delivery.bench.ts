/**
 * Delivery throughput (not a test): drains a backlog from the embedded bus to a webhook
 * receiver on 127.0.0.1 in a worker thread, for a few batch sizes, and prints a table and
 * one JSON line. Never fails on speed.
 * Run: node runtime/src/delivery/delivery.bench.ts [events]
 */
import type { DestinationRuntime } from '../config.ts';
import { drainBacklog, startReceiverThread, startRig, trackEvents, webhookDestination } from './testing.ts';

const EVENTS = Number(process.argv[2] ?? 100_000);
const PUBLISH_CHUNK = 5000;

interface Case {
  name: string;
  batchSize: number;
  maxInFlight: number;
  filter?: string;
  /** false: one request per event. */
  batch?: boolean;
  /** Share of EVENTS this case drains (per-event requests are far slower). */
  share?: number;
}
const CASES: Case[] = [
  { name: 'batch 100, 8 in flight', batchSize: 100, maxInFlight: 8 },
  { name: 'batch 500, 8 in flight', batchSize: 500, maxInFlight: 8 },
  { name: 'batch 100, 8 in flight, CEL filter', batchSize: 100, maxInFlight: 8, filter: 'type == "track" && event in ["Order Completed", "Checkout Started"] && properties.revenue > 5' },
  { name: 'one request per event, 8 in flight', batchSize: 1, maxInFlight: 8, batch: false, share: 0.1 },
];

async function runCase(c: Case, url: string) {
  const events = Math.round(EVENTS * (c.share ?? 1));
  const dest: DestinationRuntime = webhookDestination('bench', url, {
    settings: { url, batch: c.batch ?? true },
    delivery: { batchSize: c.batchSize, maxInFlight: c.maxInFlight, timeout: '10s', maxAge: '1h', backoff: { initial: '100ms', max: '1s' } },
    startFrom: '1h',
    ...(c.filter ? { filter: c.filter } : {}),
  });
  const rig = await startRig([dest], { start: false, delivery: { fetchWaitMs: 100, lagIntervalMs: 60_000 } });
  try {
    for (let i = 0; i < events; i += PUBLISH_CHUNK) {
      await rig.bus.publish('web', trackEvents(Math.min(PUBLISH_CHUNK, events - i), `${c.name}-${i}`, { context: benchContext }));
    }
    const r = await drainBacklog(rig, 'bench', events);
    return { events, delivered: r.delivered, seconds: r.seconds, eventsPerSecond: events / r.seconds, p95LatencyMs: r.p95LatencyMs };
  } finally {
    await rig.close();
  }
}

const benchContext = {
  library: { name: 'analytics-node', version: '3.1.0' },
  ip: '203.0.113.9',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  page: { path: '/checkout', url: 'https://shop.example.com/checkout', referrer: 'https://shop.example.com/cart' },
};

const receiver = await startReceiverThread();
const rows: Array<Record<string, unknown>> = [];
for (const c of CASES) {
  const r = await runCase(c, receiver.url);
  rows.push({ case: c.name, events: r.events, delivered: r.delivered, seconds: +r.seconds.toFixed(2), eventsPerSecond: Math.round(r.eventsPerSecond), p95RequestMs: r.p95LatencyMs });
}
await receiver.stop();

console.log('delivery to a local webhook receiver, backlog drained from the embedded bus (target: >= 20,000 events/s with batching)');
console.log(['case'.padEnd(40), 'events'.padStart(8), 'delivered'.padStart(10), 'events/s'.padStart(10), 'seconds'.padStart(9), 'p95 req ms'.padStart(11)].join(' '));
for (const r of rows) {
  const cols = [r.events, r.delivered, r.eventsPerSecond, r.seconds, r.p95RequestMs ?? '-'].map(String);
  console.log([String(r.case).padEnd(40), cols[0]!.padStart(8), cols[1]!.padStart(10), cols[2]!.padStart(10), cols[3]!.padStart(9), cols[4]!.padStart(11)].join(' '));
}
console.log(JSON.stringify({ bench: 'delivery', node: process.version, results: rows }));
