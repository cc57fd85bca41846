import { describe, expect, it } from 'vitest';
import { conditionTime, getCondition, progressing, ready, removeCondition, setCondition, setSummary, stalled, type Condition, type Summary } from './conditions.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:05:00.250Z');
const cond = (type: string, status: Condition['status'], reason = 'R', at = '2026-01-01T00:00:00Z'): Condition => ({
  type,
  status,
  reason,
  message: 'm',
  lastTransitionTime: at,
  observedGeneration: 1,
});

describe('setCondition', () => {
  it.each<[string, Condition[] | undefined, Condition['status'], string, string]>([
    ['new condition gets now', undefined, 'True', 'New', '2026-01-01T00:05:00Z'],
    ['same status keeps the transition time', [cond('Ready', 'True')], 'True', 'StillFine', '2026-01-01T00:00:00Z'],
    ['flip moves the transition time', [cond('Ready', 'True')], 'False', 'Broke', '2026-01-01T00:05:00Z'],
    ['Unknown → True is a flip', [cond('Ready', 'Unknown')], 'True', 'Up', '2026-01-01T00:05:00Z'],
  ])('%s', (_what, before, status, reason, wantTime) => {
    const out = setCondition(before, { type: 'Ready', status, reason, message: 'msg' }, 7, T1);
    expect(out).toEqual([{ type: 'Ready', status, reason, message: 'msg', lastTransitionTime: wantTime, observedGeneration: 7 }]);
  });

  it('keeps the other conditions and their order, and does not mutate the input', () => {
    const before = [cond('A', 'True'), cond('Ready', 'False'), cond('B', 'False')];
    const snapshot = structuredClone(before);
    const out = setCondition(before, { type: 'Ready', status: 'True', reason: 'Ok', message: '' }, 2, T1);
    expect(out.map((c) => c.type)).toEqual(['A', 'Ready', 'B']);
    expect(before).toEqual(snapshot);
    expect(removeCondition(out, 'A').map((c) => c.type)).toEqual(['Ready', 'B']);
  });

  it('writes whole seconds, as metav1.Time does', () => {
    expect(conditionTime(T1)).toBe('2026-01-01T00:05:00Z');
  });
});

describe('setSummary (kstatus trio)', () => {
  it.each<[Summary, Record<string, Condition['status']>]>([
    [ready('Deployed', '2 replicas ready'), { Ready: 'True', Reconciling: 'False', Stalled: 'False' }],
    [progressing('SecretMissing', 'Secret web-write-key not found'), { Ready: 'False', Reconciling: 'True', Stalled: 'False' }],
    [stalled('SchemaInvalid', 'event "Signup": type must be object'), { Ready: 'False', Reconciling: 'False', Stalled: 'True' }],
  ])('%o', (summary, want) => {
    const out = setSummary(undefined, summary, 3, T0);
    for (const [type, status] of Object.entries(want)) {
      expect(getCondition(out, type)).toMatchObject({ status, reason: summary.reason, message: summary.message, observedGeneration: 3 });
    }
    expect(out).toHaveLength(3);
  });

  it('moves transition times only for the conditions that flipped', () => {
    const a = setSummary(undefined, progressing('Rolling', 'rolling out'), 1, T0);
    const b = setSummary(a, ready('Deployed', 'done'), 1, T1);
    expect(getCondition(b, 'Ready')?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
    expect(getCondition(b, 'Reconciling')?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
    expect(getCondition(b, 'Stalled')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });

  it('keeps kind-specific conditions', () => {
    const out = setSummary([cond('EventsFlowing', 'True')], ready('Deployed', ''), 1, T0);
    expect(out.map((c) => c.type)).toEqual(['EventsFlowing', 'Ready', 'Reconciling', 'Stalled']);
  });
});
