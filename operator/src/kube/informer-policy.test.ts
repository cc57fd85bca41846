import { describe, expect, it } from 'vitest';
import { KubeApiError } from './errors.ts';
import { nextStep, watchTimeoutSeconds, type WatchOutcome } from './informer-policy.ts';

const backoff = { baseMs: 800, maxMs: 30_000, jitter: 0 };
const err = (status: number, reason = 'X') => new KubeApiError('failed', status, reason);

describe('nextStep', () => {
  it.each<[string, WatchOutcome, number, { relist: boolean; delayMs: number; failures: number }]>([
    ['watch timed out normally: re-watch at once, reset failures', { kind: 'closed', events: 3, ms: 300_000 }, 4, { relist: false, delayMs: 0, failures: 0 }],
    ['quiet watch that lived its time', { kind: 'closed', events: 0, ms: 300_000 }, 0, { relist: false, delayMs: 0, failures: 0 }],
    ['closed instantly with nothing: back off', { kind: 'closed', events: 0, ms: 5 }, 2, { relist: false, delayMs: 3200, failures: 3 }],
    ['silent watch: re-watch at once', { kind: 'idle' }, 1, { relist: false, delayMs: 0, failures: 1 }],
    ['410 Gone: relist at once', { kind: 'error', during: 'watch', err: err(410, 'Expired') }, 1, { relist: true, delayMs: 0, failures: 1 }],
    ['Expired reason alone also relists', { kind: 'error', during: 'watch', err: err(500, 'Expired') }, 0, { relist: true, delayMs: 0, failures: 0 }],
    ['no answer during watch: retry the watch', { kind: 'error', during: 'watch', err: err(0) }, 0, { relist: false, delayMs: 800, failures: 1 }],
    ['429 during watch: retry the watch', { kind: 'error', during: 'watch', err: err(429) }, 1, { relist: false, delayMs: 1600, failures: 2 }],
    ['500 during watch: relist after backoff', { kind: 'error', during: 'watch', err: err(500) }, 0, { relist: true, delayMs: 800, failures: 1 }],
    ['list failed: relist after backoff', { kind: 'error', during: 'list', err: err(0) }, 3, { relist: true, delayMs: 6400, failures: 4 }],
    ['a non-API error relists', { kind: 'error', during: 'watch', err: new SyntaxError('bad JSON') }, 0, { relist: true, delayMs: 800, failures: 1 }],
    ['backoff is capped', { kind: 'error', during: 'list', err: err(503) }, 20, { relist: true, delayMs: 30_000, failures: 21 }],
  ])('%s', (_what, outcome, failures, want) => {
    expect(nextStep(outcome, failures, backoff)).toEqual(want);
  });

  it.each([
    [300, 0, 300],
    [300, 0.999, 599],
    [1, 0.5, 1],
  ])('a %i s watch timeout with random %f becomes %i s (spread over [t, 2t))', (base, r, want) => {
    expect(watchTimeoutSeconds(base, () => r)).toBe(want);
  });
});
