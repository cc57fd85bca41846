import { describe, expect, it } from 'vitest';
import type { TrackingPlanSpec } from '../../api/index.ts';
import { compilePlanCached } from '../../../../runtime/src/plan/index.ts';
import { decidePlan } from './decide.ts';

const good: TrackingPlanSpec = {
  events: [
    { name: 'Order Completed', properties: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } } } },
    { name: 'Product Viewed' },
  ],
};
const bad: TrackingPlanSpec = {
  events: [{ name: 'Product Viewed' }, { name: 'Order Completed', properties: { type: 'object', properties: { revenue: { type: 'nmber' } } } }],
};

describe('decidePlan', () => {
  it('is Ready with the event count, the digest and the sorted Sources', () => {
    const d = decidePlan('store', good, ['web', 'app'], compilePlanCached);
    expect(d.summary).toEqual({ state: 'ready', reason: 'Compiled', message: '2 planned events compiled' });
    expect(d.fields.eventCount).toBe(2);
    expect(d.fields.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d.fields.sources).toEqual(['app', 'web']);
  });

  it('is Stalled with InvalidSchema, naming the event and the schema error, and keeps listing the Sources', () => {
    const d = decidePlan('store', bad, ['web'], compilePlanCached);
    expect(d.summary.state).toBe('stalled');
    expect(d.summary.reason).toBe('InvalidSchema');
    expect(d.summary.message).toContain('Order Completed');
    expect(d.summary.message).toContain('#/properties/revenue/type: must be equal to one of the allowed values');
    expect(d.fields).toEqual({ eventCount: undefined, digest: undefined, sources: ['web'] });
  });

  it('lets a failure that is not a compile error through (a bug must not read as a bad spec)', () => {
    expect(() => decidePlan('store', good, [], () => { throw new TypeError('boom'); })).toThrow('boom');
  });

  it('caps the listed Sources at the CRD\'s maxItems', () => {
    const many = Array.from({ length: 1200 }, (_, i) => `s${String(i).padStart(4, '0')}`);
    expect(decidePlan('store', good, many, compilePlanCached).fields.sources).toHaveLength(1000);
  });
});
