import { describe, expect, it } from 'vitest';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import type { SegmentEvent } from '../event.ts';
import { compilePlan } from './index.ts';
import type { PlanDecision, PlanPolicies } from './types.ts';

// Every combination of the three controls, against each kind of event. The expected
// outcome of each scenario depends on the control that governs it; the tables below say
// what that control does, the loop checks all 18 combinations.

const schema = {
  type: 'object',
  required: ['order_id'],
  properties: { order_id: { type: 'string' }, revenue: { type: 'number' } },
};

function event(e: Partial<SegmentEvent>): SegmentEvent {
  return deepFreeze({ type: 'track', messageId: 'm-1', userId: 'u-1', timestamp: 't', receivedAt: 't', context: { ip: '203.0.113.7' }, ...e });
}

const valid = event({ event: 'Order Completed', properties: { order_id: 'o-1', revenue: 10 } });
const unplannedProp = event({ event: 'Order Completed', properties: { order_id: 'o-1', coupon: 'X' } });
const invalid = event({ event: 'Order Completed', properties: { order_id: 'o-1', revenue: '10' } });
const mixed = event({ event: 'Order Completed', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' } });
const unplannedEvent = event({ event: 'Cart Viewed', properties: { anything: 1 } });

interface Outcome {
  action: 'allow' | 'block';
  /** Expected `properties` of the event passed on (blocked: the original). */
  properties: Record<string, unknown>;
  fields: string[];
  omitted: string[];
}

const UNPLANNED_PROPERTY: Record<PlanPolicies['unplannedProperties'], Outcome> = {
  allow: { action: 'allow', properties: { order_id: 'o-1', coupon: 'X' }, fields: ['properties.coupon'], omitted: [] },
  omit: { action: 'allow', properties: { order_id: 'o-1' }, fields: ['properties.coupon'], omitted: ['properties.coupon'] },
  block: { action: 'block', properties: { order_id: 'o-1', coupon: 'X' }, fields: ['properties.coupon'], omitted: [] },
};

const INVALID: Record<PlanPolicies['onViolation'], Outcome> = {
  allow: { action: 'allow', properties: { order_id: 'o-1', revenue: '10' }, fields: ['properties.revenue'], omitted: [] },
  omit: { action: 'allow', properties: { order_id: 'o-1' }, fields: ['properties.revenue'], omitted: ['properties.revenue'] },
  block: { action: 'block', properties: { order_id: 'o-1', revenue: '10' }, fields: ['properties.revenue'], omitted: [] },
};

const UNPLANNED_EVENT: Record<PlanPolicies['unplannedEvents'], Outcome> = {
  allow: { action: 'allow', properties: { anything: 1 }, fields: ['event'], omitted: [] },
  block: { action: 'block', properties: { anything: 1 }, fields: ['event'], omitted: [] },
};

// Unplanned property and invalid value in one event: blocked when either control blocks;
// otherwise each control does its part.
const MIXED: Record<`${PlanPolicies['unplannedProperties']}/${PlanPolicies['onViolation']}`, Outcome> = {
  'allow/allow': { action: 'allow', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: [] },
  'allow/omit': { action: 'allow', properties: { order_id: 'o-1', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: ['properties.revenue'] },
  'allow/block': { action: 'block', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: [] },
  'omit/allow': { action: 'allow', properties: { order_id: 'o-1', revenue: '10' }, fields: ['properties.coupon', 'properties.revenue'], omitted: ['properties.coupon'] },
  'omit/omit': { action: 'allow', properties: { order_id: 'o-1' }, fields: ['properties.coupon', 'properties.revenue'], omitted: ['properties.coupon', 'properties.revenue'] },
  'omit/block': { action: 'block', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: [] },
  'block/allow': { action: 'block', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: [] },
  'block/omit': { action: 'block', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: [] },
  'block/block': { action: 'block', properties: { order_id: 'o-1', revenue: '10', coupon: 'X' }, fields: ['properties.coupon', 'properties.revenue'], omitted: [] },
};

const combos: PlanPolicies[] = [];
for (const unplannedEvents of ['allow', 'block'] as const)
  for (const unplannedProperties of ['allow', 'omit', 'block'] as const)
    for (const onViolation of ['allow', 'omit', 'block'] as const) combos.push({ unplannedEvents, unplannedProperties, onViolation });

function expectOutcome(input: SegmentEvent, d: PlanDecision, want: Outcome): void {
  expect(d.action).toBe(want.action);
  expect(d.event.properties).toEqual(want.properties);
  expect(d.violations.map((v) => v.field)).toEqual(want.fields);
  expect(d.omitted).toEqual(want.omitted);
  if (want.action === 'block') {
    expect(d.event).toBe(input);
  } else {
    const protocols = (d.event.context as { protocols?: Record<string, unknown> }).protocols;
    expect(protocols?.violations).toEqual(d.violations);
    expect(protocols?.omitted).toEqual(want.omitted.length > 0 ? want.omitted : undefined);
    expect((d.event.context as { ip?: string }).ip).toBe('203.0.113.7');
  }
}

describe('policy combinations', () => {
  for (const policies of combos) {
    const name = `unplannedEvents=${policies.unplannedEvents} unplannedProperties=${policies.unplannedProperties} onViolation=${policies.onViolation}`;
    describe(name, () => {
      const spec: TrackingPlanSpec = { ...policies, events: [{ name: 'Order Completed', properties: schema }] };
      const plan = compilePlan('storefront', spec);

      it('passes a valid planned event untouched', () => {
        const d = plan.check(valid);
        expect(d).toEqual({ action: 'allow', event: valid, violations: [], omitted: [], label: 'Order Completed' });
        expect(d.event).toBe(valid);
      });
      it('applies unplannedProperties to an undeclared property', () => {
        expectOutcome(unplannedProp, plan.check(unplannedProp), UNPLANNED_PROPERTY[policies.unplannedProperties]);
      });
      it('applies onViolation to a schema violation', () => {
        expectOutcome(invalid, plan.check(invalid), INVALID[policies.onViolation]);
      });
      it('applies both to an event with both problems', () => {
        expectOutcome(mixed, plan.check(mixed), MIXED[`${policies.unplannedProperties}/${policies.onViolation}`]);
      });
      it('applies unplannedEvents to an event outside the plan', () => {
        const d = plan.check(unplannedEvent);
        expectOutcome(unplannedEvent, d, UNPLANNED_EVENT[policies.unplannedEvents]);
        expect(d.violations[0]).toEqual({
          kind: 'unplanned-event',
          type: 'Unplanned Event',
          field: 'event',
          description: 'event "Cart Viewed" is not in the tracking plan',
        });
        expect(d.label).toBe('(unplanned)');
      });
    });
  }
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
