/**
 * Transformation cost (not a test): microseconds per event for a 10-field CEL mapping and
 * for a small sandboxed function, then delivery throughput per process with each, from the
 * embedded bus to a webhook receiver on 127.0.0.1 in a worker thread. Prints a table and
 * one JSON line (with the load average it ran under); never fails on speed.
 * Targets: mapping <= 5 µs per event, function <= 50 µs per event, delivery with the
 * mapping >= 15,000 events/s.
 * Run: node test/bench/mapping.bench.ts [events]
 */
import { loadavg } from 'node:os';
import { compileFunction } from '../../runtime/src/delivery/function/index.ts';
import { drainBacklog, startReceiverThread, startRig, webhookDestination } from '../../runtime/src/delivery/testing.ts';
import type { SegmentEvent } from '../../runtime/src/event.ts';
import { compileFilter, compileMapping } from '../../runtime/src/mapping/index.ts';

const EVENTS = Number(process.argv[2] ?? 100_000);
const USERS = 1000;
const PUBLISH_CHUNK = 5000;

/** The Conversions API example from the docs, ten fields. */
const TEN_FIELDS: Record<string, string> = {
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

/** A small Segment-style function doing about what the mapping does. */
const FUNCTION = `
async function onTrack(event, settings) {
  const p = event.properties;
  return {
    event_name: event.event === 'Order Completed' ? 'Purchase' : 'InitiateCheckout',
    event_id: event.messageId,
    event_time: Math.floor(Date.parse(event.timestamp) / 1000),
    user_data: { em: crypto.sha256(String(event.context.traits.email).trim().toLowerCase()), external_id: event.userId ?? event.anonymousId },
    custom_data: { value: p.revenue, currency: p.currency ?? 'USD' },
  };
}
`;

function events(n: number, prefix: string, distinctPhones = false): SegmentEvent[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => {
    const u = i % USERS;
    const line = distinctPhones ? i % 10_000 : u;
    return {
      type: 'track' as const,
      // One in ten is an event the filter skips.
      event: i % 10 === 9 ? 'Product Viewed' : i % 3 === 0 ? 'Checkout Started' : 'Order Completed',
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

interface CostRow {
  case: string;
  usPerEvent: number;
  target?: number;
}

function mappingCost(): CostRow[] {
  const map = compileMapping(TEN_FIELDS);
  const filter = compileFilter(FILTER);
  const input = events(20_000, 'micro');
  const fresh = events(20_000, 'fresh', true);
  const sparse = input.map(({ context: _c, properties: _p, ...rest }) => rest as SegmentEvent);
  perEvent((e) => filter(e) && map(e), input, 4); // warm up the JIT
  return [
    { case: 'CEL: 10-field mapping', usPerEvent: perEvent((e) => map(e), input), target: 5 },
    { case: 'CEL: 10-field mapping, phone numbers not seen before', usPerEvent: perEvent((e) => map(e), fresh, 1) },
    { case: 'CEL: 10-field mapping, most fields missing', usPerEvent: perEvent((e) => map(e), sparse) },
    { case: 'CEL: filter', usPerEvent: perEvent((e) => filter(e), input) },
    { case: 'CEL: filter + 10-field mapping', usPerEvent: perEvent((e) => filter(e) && map(e), input) },
  ];
}

/** The function over batches of 100, as delivery runs it; best of a few rounds. */
async function functionCost(): Promise<CostRow[]> {
  const fn = await compileFunction(FUNCTION, { name: 'bench' });
  try {
    const batches = Array.from({ length: 100 }, (_, b) => events(100, `fn-${b}`).filter((e) => e.event !== 'Product Viewed'));
    const round = async () => {
      const t0 = performance.now();
      let n = 0;
      for (const batch of batches) {
        const results = await fn.run(batch);
        if (results[0]?.kind !== 'ok') throw new Error(`benchmark function failed: ${JSON.stringify(results[0])}`);
        n += batch.length;
      }
      return ((performance.now() - t0) * 1000) / n;
    };
    await round(); // warm up both isolates
    let best = Infinity;
    for (let r = 0; r < 3; r++) best = Math.min(best, await round());
    return [{ case: 'function: Segment-style onTrack, batches of 100', usPerEvent: best, target: 50 }];
  } finally {
    fn.dispose();
  }
}

interface DeliveryRow {
  case: string;
  events: number;
  delivered: number;
  filtered: number;
  seconds: number;
  eventsPerSecond: number;
  target?: number;
}

type Transform = 'none' | 'mapping' | 'function';

async function delivery(url: string, transform: Transform): Promise<DeliveryRow> {
  const dest = webhookDestination(
    'bench',
    url,
    {
      settings: { url, batch: true },
      delivery: { batchSize: 100, maxInFlight: 8, timeout: '10s', maxAge: '1h', backoff: { initial: '100ms', max: '1s' } },
      startFrom: '1h',
      filter: FILTER,
      ...(transform === 'mapping' ? { mapping: TEN_FIELDS } : {}),
      ...(transform === 'function' ? { function: { configMapRef: { name: 'bench-fn', key: 'index.js' } } } : {}),
    },
  );
  if (transform === 'function') dest.functionSource = FUNCTION;
  const rig = await startRig([dest], { start: false, delivery: { fetchWaitMs: 100, lagIntervalMs: 60_000 } });
  try {
    for (let i = 0; i < EVENTS; i += PUBLISH_CHUNK) await rig.bus.publish('web', events(Math.min(PUBLISH_CHUNK, EVENTS - i), `d-${transform}-${i}`));
    const r = await drainBacklog(rig, 'bench', EVENTS);
    const label = { none: 'delivery: filter only (events as they are)', mapping: 'delivery: filter + 10-field mapping', function: 'delivery: filter + small function' }[transform];
    return {
      case: `${label}, batch 100`,
      events: EVENTS,
      delivered: r.delivered,
      filtered: r.filtered,
      seconds: +r.seconds.toFixed(2),
      eventsPerSecond: Math.round(EVENTS / r.seconds),
      ...(transform === 'mapping' ? { target: 15_000 } : {}),
    };
  } finally {
    await rig.close();
  }
}

const loadBefore = loadavg().map((l) => +l.toFixed(2));
const cost = [...mappingCost(), ...(await functionCost())].map((r) => ({ ...r, usPerEvent: +r.usPerEvent.toFixed(2) }));
const receiver = await startReceiverThread();
const deliveries: DeliveryRow[] = [];
try {
  for (const t of ['none', 'mapping', 'function'] as const) deliveries.push(await delivery(receiver.url, t));
} finally {
  await receiver.stop();
}
const loadAfter = loadavg().map((l) => +l.toFixed(2));

const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? '  (target met)' : '  (target missed)');
console.log(`cost per event, best of several rounds over 20,000 events (load average ${loadBefore.join(' ')})`);
for (const r of cost) {
  console.log(`  ${r.case.padEnd(56)} ${String(r.usPerEvent).padStart(8)} µs${r.target ? ` / ≤ ${r.target}` : ''}${verdict(r.target ? r.usPerEvent <= r.target : undefined)}`);
}
console.log(`\ndelivery of ${EVENTS} events per case from the embedded bus to a local webhook receiver, one process`);
for (const r of deliveries) {
  const extra = `${r.delivered} delivered, ${r.filtered} filtered, ${r.seconds} s`;
  console.log(`  ${r.case.padEnd(56)} ${String(r.eventsPerSecond).padStart(8)} events/s${r.target ? ` / ≥ ${r.target}` : ''}${verdict(r.target ? r.eventsPerSecond >= r.target : undefined)}  (${extra})`);
}
console.log(`load average after: ${loadAfter.join(' ')}`);
console.log(JSON.stringify({ bench: 'mapping', node: process.version, loadavg: { before: loadBefore, after: loadAfter }, cost, delivery: deliveries }));
