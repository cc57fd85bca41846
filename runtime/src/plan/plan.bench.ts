/**
 * Micro-benchmark of CompiledPlan.check (not a test): prints events/s and µs/event per
 * case, then one JSON line. Run: node runtime/src/plan/plan.bench.ts [iterations]
 */
import type { SegmentEvent } from '../event.ts';
import { compilePlan } from './index.ts';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';

const iterations = Number(process.argv[2] ?? 200_000);

const spec: TrackingPlanSpec = {
  unplannedEvents: 'allow',
  unplannedProperties: 'omit',
  onViolation: 'omit',
  common: {
    jsonSchema: {
      type: 'object',
      required: ['messageId'],
      properties: {
        userId: { type: ['string', 'null'] },
        context: { type: 'object', properties: { ip: { type: 'string', format: 'ipv4' } } },
      },
    },
  },
  identify: { traits: { type: 'object', properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' } } } },
  events: [
    {
      name: 'Order Completed',
      properties: {
        type: 'object',
        required: ['order_id', 'revenue', 'currency'],
        properties: {
          order_id: { type: 'string', minLength: 1 },
          revenue: { type: 'number', minimum: 0 },
          currency: { type: 'string', enum: ['EUR', 'USD', 'GBP'] },
          coupon: { type: ['string', 'null'] },
          products: {
            type: 'array',
            items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, price: { type: 'number' }, quantity: { type: 'integer' } } },
          },
        },
      },
    },
    ...Array.from({ length: 200 }, (_, i) => ({ name: `Event ${i}`, properties: { type: 'object', properties: { a: { type: 'string' } } } })),
  ],
};

const base = {
  messageId: 'ajs-next-1f9c3f5b2e8d4a7c9b0e',
  anonymousId: '6f1c1b8e-3a3b-4a8f-9d1e-2b6c5d4e3f21',
  userId: 'user-42',
  timestamp: '2025-01-01T12:00:00.000Z',
  receivedAt: '2025-01-01T12:00:00.050Z',
  context: { ip: '203.0.113.7', library: { name: 'analytics.js', version: 'next-1.70.0' }, page: { path: '/checkout', url: 'https://shop.example.com/checkout' }, userAgent: 'Mozilla/5.0' },
};

const cases: Array<[string, SegmentEvent]> = [
  ['valid track', { ...base, type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 99.5, currency: 'EUR', products: [{ sku: 's1', price: 49.75, quantity: 2 }] } }],
  ['valid identify', { ...base, type: 'identify', traits: { email: 'ann@example.com', name: 'Ann' } }],
  ['unplanned page', { ...base, type: 'page', name: 'Home', properties: { path: '/' } }],
  ['invalid track (omit)', { ...base, type: 'track', event: 'Order Completed', properties: { order_id: 'o-1', revenue: '99.5', currency: 'EUR', extra: true } }],
  ['unplanned track', { ...base, type: 'track', event: 'Something Else', properties: { x: 1 } }],
];

const plan = compilePlan('bench', spec);
const results: Record<string, { eventsPerSecond: number; microsPerEvent: number }> = {};
for (const [name, event] of cases) {
  for (let i = 0; i < 20_000; i++) plan.check(event);
  const start = process.hrtime.bigint();
  let blocked = 0;
  for (let i = 0; i < iterations; i++) if (plan.check(event).action === 'block') blocked++;
  const ns = Number(process.hrtime.bigint() - start);
  const micros = ns / 1000 / iterations;
  results[name] = { eventsPerSecond: Math.round(1e6 / micros), microsPerEvent: +micros.toFixed(3) };
  console.log(`${name.padEnd(24)} ${String(results[name].eventsPerSecond).padStart(10)} events/s  ${micros.toFixed(3).padStart(7)} µs/event${blocked ? ` (${blocked} blocked)` : ''}`);
}
console.log(JSON.stringify({ bench: 'plan.check', iterations, node: process.version, results }));
