import { describe, expect, it } from 'vitest';
import { compilePlan } from '../plan/index.ts';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import { admit, problemsOf, type AdmitInput } from './admit.ts';
import { openEnvelope } from './batch.ts';
import type { RequestFacts } from './normalise.ts';
import { readTime } from './timestamps.ts';

const facts: RequestFacts = {
  receivedAt: Date.parse('2024-05-01T12:00:00Z'),
  receivedAtIso: '2024-05-01T12:00:00.000Z',
  ip: '203.0.113.9',
  sentAt: readTime('2024-05-01T12:00:00Z'),
  type: undefined,
};

const spec: TrackingPlanSpec = {
  unplannedEvents: 'block',
  onViolation: 'allow',
  events: [
    {
      name: 'Order Completed',
      properties: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' }, revenue: { type: 'number' } } },
    },
  ],
};
const plan = compilePlan('shop', spec);

function run(body: Record<string, unknown>, over: Partial<AdmitInput> = {}) {
  return admit({ envelope: openEnvelope(body, undefined, 100), facts, itemBytes: undefined, maxEventBytes: 32768, plan, ...over });
}

describe('admit', () => {
  it('sorts a batch into stored, quarantined and rejected', () => {
    const a = run({
      batch: [
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { order_id: 'o1', revenue: 5 }, messageId: 'ok' },
        { type: 'track', userId: 'u', event: 'Order Completed', properties: { revenue: 'five' }, messageId: 'flagged' },
        { type: 'track', userId: 'u', event: 'Surprise', messageId: 'blocked' },
        { type: 'track', event: 'Order Completed', messageId: 'no-id' },
        { type: 'identify', userId: 'u', traits: { plan: 'pro' }, messageId: 'identify' },
      ],
      context: { library: { name: 'analytics-node' } },
    });
    expect(a.received).toBe(5);
    expect(a.publish.map((e) => e.messageId)).toEqual(['ok', 'flagged', 'identify']);
    expect(a.quarantine.map((q) => q.event.messageId)).toEqual(['blocked']);
    expect(a.quarantine[0]!.violations.map((v) => v.kind)).toEqual(['unplanned-event']);
    expect(a.quarantineIndex).toEqual([2]);
    expect(a.rejected).toEqual([{ index: 3, code: 'no_user_anon_id', field: 'userId', event: 'Order Completed', messageId: 'no-id' }]);
    expect(a.flagged.map((f) => [f.event.messageId, f.blocked])).toEqual([
      ['flagged', false],
      ['blocked', true],
    ]);
    const flagged = a.publish[1]!;
    expect((flagged.context as { protocols?: { violations?: unknown[] } }).protocols?.violations?.length).toBeGreaterThan(0);
    for (const e of a.publish) {
      expect(e.context).toMatchObject({ library: { name: 'analytics-node' }, ip: '203.0.113.9' });
      expect(e.receivedAt).toBe('2024-05-01T12:00:00.000Z');
    }
  });

  it('rejects an event larger than maxEventBytes as sent, and only that one', () => {
    const a = run(
      { batch: [{ type: 'identify', userId: 'a' }, { type: 'identify', userId: 'b' }] },
      { itemBytes: [100, 101], maxEventBytes: 100 },
    );
    expect(a.publish.map((e) => e.userId)).toEqual(['a']);
    expect(a.rejected.map((r) => [r.index, r.code])).toEqual([[1, 'event_too_large']]);
  });

  it('passes every well-formed event when the Source has no plan', () => {
    const a = run({ batch: [{ type: 'track', userId: 'u', event: 'Anything' }] }, { plan: undefined });
    expect(a.publish).toHaveLength(1);
    expect(a.flagged).toEqual([]);
  });

  it('lists problems in request order, field by field, capped', () => {
    const a = run({
      batch: [
        { type: 'track', userId: 'u', event: 'Surprise', messageId: 'm0' },
        'not an event',
        { type: 'track', userId: 'u', event: 'Order Completed', properties: {} },
      ],
    });
    const problems = problemsOf(a, 10);
    expect(problems.map((p) => [p.index, p.kind, p.field])).toEqual([
      [0, 'unplanned-event', 'event'],
      [1, 'event_not_object', ''],
    ]);
    expect(problems[0]).toMatchObject({ event: 'Surprise', messageId: 'm0' });
    expect(problems[1]!.message).toMatch(/not a JSON object/);
    expect(problemsOf(a, 1)).toHaveLength(1);
  });
});
