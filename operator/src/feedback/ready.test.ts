import { describe, expect, it } from 'vitest';
import type { Condition } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import { readyWithDelivery } from './ready.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');
const summary = (ready: 'True' | 'False', reason: string): Condition[] =>
  (['Ready', 'Reconciling', 'Stalled'] as const).map((type) => ({
    type, status: type === 'Ready' ? ready : 'False', reason, message: `${reason} message`, lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2,
  }));
const delivering = (status: ConditionInput['status'], reason: string): ConditionInput => ({ type: 'Delivering', status, reason, message: `${reason}: 401 from the API since 14:02 UTC` });
const brief = (cs: Condition[]) => cs.map((c) => `${c.type}=${c.status}/${c.reason}@${c.lastTransitionTime}`);

describe('readyWithDelivery', () => {
  it.each<[string, Condition[], ConditionInput[], string[]]>([
    ['deployed and failing: not Ready, nothing to reconcile', summary('True', 'Deployed'), [delivering('False', 'DeliveryFailing')], [
      'Ready=False/DeliveryFailing@2026-01-01T00:05:00Z', 'Reconciling=False/Deployed@2026-01-01T00:00:00Z', 'Stalled=False/Deployed@2026-01-01T00:00:00Z',
    ]],
    ['pods cannot run the config', summary('True', 'Deployed'), [delivering('False', 'InvalidConfig')], [
      'Ready=False/InvalidConfig@2026-01-01T00:05:00Z', 'Reconciling=False/Deployed@2026-01-01T00:00:00Z', 'Stalled=False/Deployed@2026-01-01T00:00:00Z',
    ]],
    ['delivering', summary('True', 'Deployed'), [delivering('True', 'Delivering')], [
      'Ready=True/Deployed@2026-01-01T00:00:00Z', 'Reconciling=False/Deployed@2026-01-01T00:00:00Z', 'Stalled=False/Deployed@2026-01-01T00:00:00Z',
    ]],
    ['no reports', summary('True', 'Deployed'), [delivering('Unknown', 'NoReports')], [
      'Ready=True/Deployed@2026-01-01T00:00:00Z', 'Reconciling=False/Deployed@2026-01-01T00:00:00Z', 'Stalled=False/Deployed@2026-01-01T00:00:00Z',
    ]],
    ['already not ready for its own reasons', summary('False', 'SecretNotFound'), [delivering('False', 'DeliveryFailing')], [
      'Ready=False/SecretNotFound@2026-01-01T00:00:00Z', 'Reconciling=False/SecretNotFound@2026-01-01T00:00:00Z', 'Stalled=False/SecretNotFound@2026-01-01T00:00:00Z',
    ]],
    ['no feedback', summary('True', 'Deployed'), [], [
      'Ready=True/Deployed@2026-01-01T00:00:00Z', 'Reconciling=False/Deployed@2026-01-01T00:00:00Z', 'Stalled=False/Deployed@2026-01-01T00:00:00Z',
    ]],
  ])('%s', (_what, conditions, feed, expected) => {
    expect(brief(readyWithDelivery(undefined, conditions, feed, 2, t1))).toEqual(expected);
  });

  it('keeps the transition time while it keeps failing, and moves it on recovery', () => {
    const failing = [delivering('False', 'DeliveryFailing')];
    const once = readyWithDelivery(undefined, summary('True', 'Deployed'), failing, 2, t0);
    // The next reconcile: the summary says Ready=True (now), the previous status says False since t0.
    const later = readyWithDelivery(once, summary('True', 'Deployed').map((c) => ({ ...c, lastTransitionTime: '2026-01-01T00:05:00Z' })), failing, 2, t1);
    expect(later.find((c) => c.type === 'Ready')).toEqual({
      type: 'Ready', status: 'False', reason: 'DeliveryFailing', message: 'DeliveryFailing: 401 from the API since 14:02 UTC', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2,
    });
    expect(readyWithDelivery(later, summary('True', 'Deployed'), [delivering('True', 'Delivering')], 2, t1).find((c) => c.type === 'Ready')?.status).toBe('True');
  });
});
