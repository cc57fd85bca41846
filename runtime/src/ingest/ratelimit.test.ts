import { describe, expect, it } from 'vitest';
import { TokenBucket } from './ratelimit.ts';

describe('TokenBucket', () => {
  it('allows a second worth of burst, then refills at the rate', () => {
    const b = new TokenBucket(10, 0);
    const first = Array.from({ length: 12 }, () => b.take(0));
    expect(first.filter((w) => w === 0)).toHaveLength(10);
    expect(first.slice(10)).toEqual([1, 1]);
    expect(b.take(100)).toBe(0); // 100 ms → one token
    expect(b.take(100)).toBe(1);
    expect(b.take(5_000)).toBe(0);
  });

  it('answers whole seconds to wait, at least one', () => {
    const slow = new TokenBucket(0.25, 0);
    expect(slow.take(0)).toBe(0);
    expect(slow.take(0)).toBe(4);
    expect(slow.take(3_000)).toBe(1);
  });

  it('does not go backwards with the clock', () => {
    const b = new TokenBucket(1, 10_000);
    expect(b.take(10_000)).toBe(0);
    expect(b.take(5_000)).toBe(1);
  });
});
