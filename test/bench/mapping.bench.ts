/**
 * Mapping cost (not a test): microseconds per event for a 10-field CEL mapping, with and
 * without a filter in front, then delivery throughput with that mapping from the embedded
 * bus to a webhook receiver on 127.0.0.1 in a worker thread. Prints a table and one JSON
 * line; never fails on speed. Targets: mapping <= 5 µs per event, delivery >= 15,000 events/s.
 * Run: node runtime/src/mapping/mapping.bench.ts [events]
 */
import { Worker } from 'node:worker_threads';
import { startRig, webhookDestination } from '../delivery/testing.ts';
import type { SegmentEvent } from '../event.ts';
import { compileFilter } from './cel.ts';
import { compileMapping } from './mapping.ts';

const EVENTS = Number(process.argv[2] ?? 100_000);
const USERS = 1000;

/** The Conversions API example from the docs, ten fields. */
export const TEN_FIELDS: Record<string, string> = {
  event_name: 'event == "Order Completed" ? "Purchase" : "InitiateCheckout"',
  event_time: 'unixSeconds(timestamp)',
  event_id: 'messageId',
  action_source: '"website"',
  'user_data.em': 'sha256(lower(trim(context.traits.email)))',
  'user_data.ph': 'sha256(e164(context.traits.phone, "US"))',
  'user_data.client_ip_address': 'context.ip',
  'user_data.external_id': 'coalesce(userId, anonymousId)',
  'custom_data.value': 'properties.revenue',
  'custom_data.currency': 'default(properties.currency, "USD")',
};
const FILTER = 'type == "track" && event in ["Order Completed", "Checkout Started"] && properties.revenue > 5';

function events(n: number, prefix: string, distinctPhones = false): SegmentEvent[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => {
    const u = i % USERS;
    const line = distinctPhones ? i % 10_000 : u;
    return {
      type: 'track' as const,
      event: i % 3 === 0 ? 'Checkout Started' : 'Order Completed',
      messageId: `${prefix}-${i}`,
      userId: i % 5 === 0 ? null : `user-${u}`,
      anonymousId: `anon-${u}`,
      properties: { order_id: `o-${i}`, revenue: 10 + (i % 90), ...(i % 4 === 0 ? {} : { currency: 'EUR' }) },
      context: {
        ip: '203.0.113.9',
        traits: { email: ` User${u}@Example.com `, phone: `(415) ${String(200 + (line % 800)).padStart(3, '0')}-${String(line % 10_000).padStart(4, '0')}` },
        library: { name: 'analytics-node', version: '3.1.0' },
      },
      timestamp: at,
      receivedAt: at,
    };
  });
}

/** Best of a few rounds, in microseconds per event. */
function perEvent(f: (e: SegmentEvent) => unknown, input: SegmentEvent[], rounds = 7): number {
  let best = Infinity;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const e of input) if (f(e)) sink++;
    best = Math.min(best, ((performance.now() - t0) * 1000) / input.length);
  }
  if (sink < 0) console.log(sink);
  return best;
}

function micro(): Array<Record<string, unknown>> {
  const map = compileMapping(TEN_FIELDS);
  const filter = compileFilter(FILTER);
  const input = events(20_000, 'micro');
  const fresh = events(20_000, 'fresh', true);
  const sparse = input.map(({ context: _c, properties: _p, ...rest }) => rest as SegmentEvent);
  perEvent((e) => filter(e) && map(e), input, 4); // warm up the JIT
  return [
    { case: '10-field mapping', usPerEvent: perEvent((e) => map(e), input) },
    { case: '10-field mapping, phone numbers not seen before', usPerEvent: perEvent((e) => map(e), fresh, 1) },
    { case: '10-field mapping, most fields missing', usPerEvent: perEvent((e) => map(e), sparse) },
    { case: 'filter', usPerEvent: perEvent((e) => filter(e), input) },
    { case: 'filter + 10-field mapping', usPerEvent: perEvent((e) => filter(e) && map(e), input) },
  ].map((r) => ({ ...r, usPerEvent: +r.usPerEvent.toFixed(2) }));
}

const RECEIVER = `
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

async function delivery(url: string, withMapping: boolean): Promise<Record<string, unknown>> {
  const dest = webhookDestination('bench', url, {
    settings: { url, batch: true },
    delivery: { batchSize: 100, maxInFlight: 8, timeout: '10s', maxAge: '1h', backoff: { initial: '100ms', max: '1s' } },
    startFrom: '1h',
    filter: FILTER,
    ...(withMapping ? { mapping: TEN_FIELDS } : {}),
  });
  const rig = await startRig([dest], { start: false, delivery: { fetchWaitMs: 100, lagIntervalMs: 60_000 } });
  try {
    for (let i = 0; i < EVENTS; i += 5000) await rig.bus.publish('web', events(Math.min(5000, EVENTS - i), `d${withMapping}-${i}`));
    const t0 = performance.now();
    await rig.delivery.start();
    for (;;) {
      const s = rig.delivery.stats().bench;
      if (s && s.delivered + s.filtered >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - t0) / 1000;
    const s = rig.delivery.stats().bench;
    return {
      case: withMapping ? 'filter + 10-field mapping, batch 100' : 'filter only (events as they are), batch 100',
      events: EVENTS,
      delivered: s?.delivered ?? 0,
      filtered: s?.filtered ?? 0,
      seconds: +seconds.toFixed(2),
      eventsPerSecond: Math.round(EVENTS / seconds),
    };
  } finally {
    await rig.close();
  }
}

const microRows = micro();
console.log('CEL mapping cost per event, best of 7 rounds over 20,000 events (target: <= 5 µs for 10 fields)');
for (const r of microRows) console.log(`  ${String(r.case).padEnd(52)} ${String(r.usPerEvent).padStart(7)} µs`);

const worker = new Worker(RECEIVER, { eval: true });
const port = await new Promise<number>((resolve, reject) => {
  worker.once('message', (p: number) => resolve(p));
  worker.once('error', reject);
});
const url = `http://127.0.0.1:${port}/hook`;
const deliveryRows = [await delivery(url, false), await delivery(url, true)];
await worker.terminate();

console.log(`\ndelivery of ${EVENTS} events from the embedded bus to a local webhook receiver (target: >= 15,000 events/s with the mapping)`);
for (const r of deliveryRows) {
  console.log(`  ${String(r.case).padEnd(52)} ${String(r.eventsPerSecond).padStart(7)} events/s  (${String(r.delivered)} delivered, ${String(r.filtered)} filtered, ${String(r.seconds)} s)`);
}
console.log(JSON.stringify({ bench: 'mapping', node: process.version, mapping: microRows, delivery: deliveryRows }));
