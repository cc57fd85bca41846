import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../runtime/src/plan/index.ts';
import type { SegmentEvent } from '../../runtime/src/event.ts';
import type { TrackingPlanSpec } from '../../operator/src/api/index.ts';
import { manifests } from './manifests.ts';
import { batchBody, BENCH_EVENT_NAMES, singleBody } from './payloads.ts';

describe('bench payloads', () => {
  const planDoc = manifests('http://127.0.0.1:9/hook').find((d) => d.kind === 'TrackingPlan');
  const plan = compilePlan('bench-plan', planDoc?.spec as TrackingPlanSpec);

  it('are valid JSON with unique messageIds', () => {
    const batch = (JSON.parse(batchBody('p', 10, 100)) as { batch: Array<{ messageId: string }> }).batch;
    expect(batch).toHaveLength(100);
    expect(new Set(batch.map((e) => e.messageId)).size).toBe(100);
    expect(batch[0]?.messageId).toBe('p-10');
    expect(JSON.parse(singleBody('p', 3, 'key'))).toMatchObject({ messageId: 'p-3', writeKey: 'key', type: 'track' });
  });

  it('pass the bench tracking plan without a violation, every kind of event', () => {
    const batch = (JSON.parse(batchBody('p', 0, BENCH_EVENT_NAMES.length)) as { batch: SegmentEvent[] }).batch;
    expect(batch.map((e) => e.event)).toEqual([...BENCH_EVENT_NAMES]);
    for (const e of batch) {
      const decision = plan.check({ ...e, receivedAt: new Date().toISOString() });
      expect(decision.violations, e.event).toEqual([]);
      expect(decision.action).toBe('allow');
    }
  });
});
