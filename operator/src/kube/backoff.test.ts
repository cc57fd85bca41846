import { describe, expect, it } from 'vitest';
import { backoffDelay, sleep, TokenBucket } from './backoff.ts';

describe('backoffDelay', () => {
  const opts = { baseMs: 5, maxMs: 1_000_000, jitter: 0 };
  it.each([
    [0, 5],
    [1, 10],
    [2, 20],
    [10, 5120],
    [17, 655_360],
    [18, 1_000_000],
    [500, 1_000_000],
    [-3, 5],
  ])('failure %i without jitter waits %i ms', (failures, want) => {
    expect(backoffDelay(failures, opts)).toBe(want);
  });

  it.each([
    [0, 90],
    [0.5, 100],
    [1, 110],
  ])('jitter ±10%% with random %f gives %i ms for a 100 ms step', (r, want) => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 1000, jitter: 0.1 }, () => r)).toBe(want);
  });

  it('never exceeds the cap, even with jitter', () => {
    expect(backoffDelay(30, { baseMs: 5, maxMs: 1000, jitter: 0.5 }, () => 1)).toBe(1000);
  });
});

describe('TokenBucket', () => {
  it('serves the burst at once, then paces at the rate', () => {
    const b = new TokenBucket(10, 2, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([0, 0, 100, 200]);
  });

  it('refills over time up to the burst', () => {
    const b = new TokenBucket(1, 3, 0);
    b.take(0);
    b.take(0);
    b.take(0);
    expect(b.tryTake(500)).toBe(false);
    expect(b.tryTake(1000)).toBe(true);
    expect(b.tryTake(1000)).toBe(false);
    expect([b.tryTake(100_000), b.tryTake(100_000), b.tryTake(100_000), b.tryTake(100_000)]).toEqual([true, true, true, false]);
  });
});

describe('sleep', () => {
  it('rejects at once when aborted', async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
  });
});
