import { describe, expect, it } from 'vitest';
import type { ViolationSummary } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import { conditionEvent, FirstSeen, violationEvents } from './transitions.ts';

const flowing = (status: ConditionInput['status'], reason = status === 'True' ? 'EventsReceived' : 'NoEventsReceived'): ConditionInput => ({
  type: 'EventsFlowing', status, reason, message: `${reason} message`,
});
const deliveringC = (status: ConditionInput['status'], reason: string): ConditionInput => ({ type: 'Delivering', status, reason, message: `${reason} message` });

describe('conditionEvent', () => {
  it.each<[string, ConditionInput | undefined, ConditionInput, { type: string; reason: string; note: string } | undefined]>([
    ['source goes silent', flowing('True'), flowing('False'), { type: 'Warning', reason: 'NoEventsReceived', note: 'NoEventsReceived message' }],
    ['silent on first sight', undefined, flowing('False'), { type: 'Warning', reason: 'NoEventsReceived', note: 'NoEventsReceived message' }],
    ['still silent', flowing('False'), flowing('False'), undefined],
    ['events again', flowing('False'), flowing('True'), { type: 'Normal', reason: 'EventsResumed', note: 'events arriving again: EventsReceived message' }],
    ['no traffic yet to flowing', flowing('Unknown', 'NoEventsYet'), flowing('True'), undefined],
    ['delivery starts failing', deliveringC('True', 'Delivering'), deliveringC('False', 'DeliveryFailing'), { type: 'Warning', reason: 'DeliveryFailing', note: 'DeliveryFailing message' }],
    ['still failing', deliveringC('False', 'DeliveryFailing'), deliveringC('False', 'DeliveryFailing'), undefined],
    ['delivery recovers', deliveringC('False', 'DeliveryFailing'), deliveringC('True', 'Delivering'), { type: 'Normal', reason: 'DeliveryRecovered', note: 'delivering again after: DeliveryFailing message' }],
    ['invalid config: the controller reports it', deliveringC('True', 'Delivering'), deliveringC('False', 'InvalidConfig'), undefined],
    ['no reports after failing: not a recovery', deliveringC('False', 'DeliveryFailing'), deliveringC('Unknown', 'NoReports'), undefined],
  ])('%s', (_what, prev, next, expected) => {
    expect(conditionEvent(prev, next)).toEqual(expected);
  });
});

const v = (field: string, sample = 'm-1'): ViolationSummary => ({
  event: 'Order Completed', field, kind: 'type', message: `${field}: expected number, got string`, count: 3, lastSeen: '2025-03-01T14:00:00Z', sampleMessageId: sample,
});

describe('violationEvents', () => {
  it('one Warning per new violation, the rest summed up', () => {
    expect(violationEvents([v('properties.revenue')])).toEqual([
      { type: 'Warning', reason: 'NewViolation', note: 'Order Completed / properties.revenue / type: properties.revenue: expected number, got string (sample messageId m-1)' },
    ]);
    const many = violationEvents(Array.from({ length: 8 }, (_, i) => v(`properties.f${i}`)), 5);
    expect(many).toHaveLength(6);
    expect(many[5]?.note).toBe('3 more new violations; see status.topViolations');
    expect(violationEvents([])).toEqual([]);
  });
});

describe('FirstSeen', () => {
  const HOUR = 3_600_000;
  it('reports a violation once, again after it was absent for the window, and stays bounded', () => {
    const f = new FirstSeen({ forgetAfterMs: HOUR, maxKeys: 3 });
    expect(f.observe([v('a'), v('b')], 0).map((x) => x.field)).toEqual(['a', 'b']);
    expect(f.observe([v('a'), v('b'), v('c')], 1000).map((x) => x.field)).toEqual(['c']);
    expect(f.observe([v('a')], HOUR + 500)).toEqual([]);
    // b and c were last seen at 1000: more than an hour before.
    expect(f.observe([v('b')], HOUR + 2000).map((x) => x.field)).toEqual(['b']);
    // Capacity 3: d, e, g push out the least recently seen (a, b).
    f.observe([v('d'), v('e'), v('g')], HOUR + 3000);
    expect(f.observe([v('a')], HOUR + 4000).map((x) => x.field)).toEqual(['a']);
  });

  it('takes what the status already showed as known', () => {
    const f = new FirstSeen({ forgetAfterMs: HOUR });
    f.remember([v('a')], 0);
    expect(f.observe([v('a'), v('b')], 10).map((x) => x.field)).toEqual(['b']);
  });
});
