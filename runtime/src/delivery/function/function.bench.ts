/**
 * Cost of a sandboxed function per event (not a test): a small Segment-style function that
 * renames two fields and hashes the e-mail, run over batches of several sizes. Prints a
 * table and one JSON line; never fails on speed. Target: <= 50 µs per event.
 * Run: node runtime/src/delivery/function/function.bench.ts [events]
 */
import { createHash } from 'node:crypto';
import type { SegmentEvent } from '../../event.ts';
import { compileFunction } from './index.ts';

const EVENTS = Number(process.argv[2] ?? 50_000);
const BATCH_SIZES = [1, 10, 100, 500];

const SOURCE = `
async function onTrack(event, settings) {
  const p = event.properties;
  return {
    event_name: event.event === 'Order Completed' ? 'Purchase' : event.event,
    event_id: event.messageId,
    event_time: Math.floor(Date.parse(event.timestamp) / 1000),
    user_data: { em: crypto.sha256(String(event.context.traits.email).trim().toLowerCase()), external_id: event.userId },
    custom_data: { value: p.revenue, currency: p.currency, order_id: p.order_id },
  };
}
`;

function events(n: number): SegmentEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'track',
    event: 'Order Completed',
    messageId: `bench-${i}`,
    userId: `user-${i % 1000}`,
    properties: { revenue: 42.5, currency: 'EUR', order_id: `o-${i}`, products: [{ sku: 'A-1', price: 42.5, quantity: 1 }] },
    context: {
      traits: { email: ` Person${i % 1000}@Example.com ` },
      library: { name: 'analytics-node', version: '3.1.0' },
      ip: '203.0.113.9',
      page: { path: '/checkout', url: 'https://shop.example.com/checkout' },
    },
    timestamp: '2025-01-01T12:00:00.000Z',
    receivedAt: '2025-01-01T12:00:00.100Z',
  }));
}

const fn = await compileFunction(SOURCE, { name: 'bench' });
const rows: Array<{ batchSize: number; events: number; usPerEvent: number; eventsPerSecond: number }> = [];
for (const size of BATCH_SIZES) {
  const batch = events(size);
  const rounds = Math.max(1, Math.round((size === 1 ? EVENTS / 5 : EVENTS) / size));
  for (let i = 0; i < Math.min(rounds, 50); i++) await fn.run(batch); // warm-up: JIT in both isolates
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    const results = await fn.run(batch);
    if (results[0]?.kind !== 'ok') throw new Error(`benchmark function failed: ${JSON.stringify(results[0])}`);
  }
  const us = ((performance.now() - t0) * 1000) / (rounds * size);
  rows.push({ batchSize: size, events: rounds * size, usPerEvent: +us.toFixed(2), eventsPerSecond: Math.round(1e6 / us) });
}

// What the same transformation costs in plain Node, without a sandbox: the floor.
const plain = events(100);
const t0 = performance.now();
let sink = 0;
for (let r = 0; r < EVENTS / 100; r++) {
  for (const e of plain) {
    const copy = JSON.parse(JSON.stringify(e)) as SegmentEvent;
    const email = String((copy.context?.traits as Record<string, unknown>).email).trim().toLowerCase();
    sink += JSON.stringify({ event_name: 'Purchase', em: createHash('sha256').update(email).digest('hex'), value: copy.properties?.revenue }).length;
  }
}
const plainUs = ((performance.now() - t0) * 1000) / EVENTS;
fn.dispose();

console.log('sandboxed function (rename two fields, hash one) per event, by batch size (target: <= 50 µs per event)');
console.log(['batch size'.padStart(10), 'events'.padStart(8), 'µs/event'.padStart(10), 'events/s'.padStart(10)].join(' '));
for (const r of rows) {
  console.log([String(r.batchSize).padStart(10), String(r.events).padStart(8), String(r.usPerEvent).padStart(10), String(r.eventsPerSecond).padStart(10)].join(' '));
}
console.log(`same work in plain Node without a sandbox: ${plainUs.toFixed(2)} µs/event (${sink > 0 ? 'checked' : ''})`);
console.log(JSON.stringify({ bench: 'function', node: process.version, results: rows, plainNodeUsPerEvent: +plainUs.toFixed(2) }));
