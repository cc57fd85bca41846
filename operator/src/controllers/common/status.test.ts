import { describe, expect, it } from 'vitest';
import type { Condition, SourceStatus } from '../../api/index.ts';
import { progressing, ready, stalled, TerminalError } from '../../kube/index.ts';
import { finish, nextStatus, readyTransition } from './status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

describe('nextStatus', () => {
  it('sets its own fields, removes undefined ones, keeps everyone else\'s, and sets the summary with kind conditions', () => {
    const current: SourceStatus = { received: 10, readyReplicas: 1, endpoint: 'http://old' };
    const s = nextStatus<SourceStatus>(current, ready('Deployed', 'ok'), { endpoint: 'http://web', readyReplicas: undefined }, [{ type: 'Available', status: 'True', reason: 'PodsReady', message: '2/2' }], 3, t0);
    expect(s).toMatchObject({ received: 10, endpoint: 'http://web' });
    expect('readyReplicas' in s).toBe(false);
    expect(s.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}/${c.observedGeneration}`)).toEqual([
      'Available=True/PodsReady/3',
      'Ready=True/Deployed/3',
      'Reconciling=False/Deployed/3',
      'Stalled=False/Deployed/3',
    ]);
  });

  it('moves lastTransitionTime only when a condition flips', () => {
    const first = nextStatus<SourceStatus>(undefined, progressing('Deploying', 'wait'), {}, [], 1, t0);
    const again = nextStatus<SourceStatus>(first, progressing('SecretNotFound', 'Secret x not found'), {}, [], 1, t1);
    const readyNow = nextStatus<SourceStatus>(again, ready('Deployed', 'ok'), {}, [], 1, t1);
    const time = (s: SourceStatus, type: string) => s.conditions?.find((c) => c.type === type)?.lastTransitionTime;
    expect(time(again, 'Ready')).toBe('2026-01-01T00:00:00Z');
    expect(time(readyNow, 'Ready')).toBe('2026-01-01T00:05:00Z');
    expect(time(readyNow, 'Stalled')).toBe('2026-01-01T00:00:00Z');
  });
});

describe('readyTransition', () => {
  const conds = (s: ReturnType<typeof ready>): Condition[] => nextStatus<SourceStatus>(undefined, s, {}, [], 1, t0).conditions!;
  it.each([
    ['first Ready', undefined, ready('Deployed', 'ok'), { type: 'Normal', reason: 'Deployed', note: 'ok' }],
    ['a new object deploying: not news', undefined, progressing('Deploying', 'waiting'), undefined],
    ['a new object missing a Secret', undefined, progressing('SecretNotFound', 'Secret x not found'), { type: 'Warning', reason: 'SecretNotFound', note: 'Secret x not found' }],
    ['still Ready, new message', conds(ready('Deployed', 'a')), ready('Deployed', 'b'), undefined],
    ['deploying is progress, not trouble', conds(ready('Deployed', 'a')), progressing('Deploying', 'rolling'), { type: 'Normal', reason: 'Deploying', note: 'rolling' }],
    ['a missing Secret', conds(progressing('Deploying', 'a')), progressing('SecretNotFound', 'Secret x not found'), { type: 'Warning', reason: 'SecretNotFound', note: 'Secret x not found' }],
    ['stalled', conds(ready('Compiled', 'a')), stalled('InvalidSchema', 'bad'), { type: 'Warning', reason: 'InvalidSchema', note: 'bad' }],
  ])('%s', (_what, before, summary, event) => {
    expect(readyTransition(before, conds(summary))).toEqual(event);
  });
});

describe('readyTransition around delivery failures', () => {
  const failing: Condition = { type: 'Ready', status: 'False', reason: 'DeliveryFailing', message: '401 from the API', lastTransitionTime: '2026-01-01T00:00:00Z' };
  const deployed = nextStatus<SourceStatus>(undefined, ready('Deployed', 'ok'), {}, [], 1, t0).conditions!;
  it('leaves DeliveryFailing and the recovery from it to the status feed', () => {
    expect(readyTransition(deployed, [failing])).toBeUndefined();
    expect(readyTransition([failing], deployed)).toBeUndefined();
  });
  it('still records a failing Destination going back to deploying', () => {
    const rolling = nextStatus<SourceStatus>(undefined, progressing('Deploying', 'rolling'), {}, [], 1, t0).conditions!;
    expect(readyTransition([failing], rolling)).toEqual({ type: 'Normal', reason: 'Deploying', note: 'rolling' });
  });
});

describe('finish', () => {
  it('ends a reconcile that recorded Stalled with a TerminalError, once', () => {
    expect(() => finish(stalled('InvalidSpec', 'filter: bad'), true)).toThrow(TerminalError);
    expect(finish(stalled('InvalidSpec', 'filter: bad'), false)).toEqual({});
    expect(finish(ready('Deployed', 'ok'), true)).toEqual({});
  });
});
