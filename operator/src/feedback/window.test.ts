import { describe, expect, it } from 'vitest';
import { counterDelta, Window, type CounterReading, type Counts } from './window.ts';

const HOUR = 3_600_000;
const MIN = 60_000;
const NOW = Date.parse('2025-03-01T14:00:00Z');
const r = (windowStart: number, counters: Counts): CounterReading => ({ windowStart, counters });

describe('counterDelta', () => {
  it.each<[string, CounterReading | undefined, CounterReading, Counts]>([
    ['first reading of a pod started inside the window: all of it', undefined, r(NOW - 10 * MIN, { a: 7, b: 2 }), { a: 7, b: 2 }],
    ['first reading of a pod older than the window: a baseline only', undefined, r(NOW - 2 * HOUR, { a: 7, b: 2 }), { a: 0, b: 0 }],
    ['the next reading: the difference', r(NOW - 2 * HOUR, { a: 7, b: 2 }), r(NOW - 2 * HOUR, { a: 10, b: 2 }), { a: 3, b: 0 }],
    ['a counter it did not have before', r(NOW - MIN, { a: 1 }), r(NOW - MIN, { a: 1, b: 4 }), { a: 0, b: 4 }],
    ['a restart (windowStart moved): the new process counts', r(NOW - 2 * HOUR, { a: 900 }), r(NOW - 5_000, { a: 3 }), { a: 3 }],
    ['a counter went down under the same start: treated as a restart', r(NOW - MIN, { a: 9, b: 1 }), r(NOW - MIN, { a: 2, b: 5 }), { a: 2, b: 5 }],
    ['a reset of a pod whose start is outside the window: baseline', r(NOW - 3 * HOUR, { a: 9 }), r(NOW - 2 * HOUR, { a: 2 }), { a: 0 }],
  ])('%s', (_what, prev, next, expected) => {
    expect(counterDelta(prev, next, NOW, HOUR)).toEqual(expected);
  });
});

describe('Window', () => {
  it('sums what was added within the window, bucket by bucket', () => {
    const w = new Window({ windowMs: HOUR, buckets: 12 });
    expect(w.empty).toBe(true);
    w.add({ a: 2, b: 0 }, NOW);
    w.add({ a: 3 }, NOW + 4 * MIN);
    w.add({ a: 5, b: 1 }, NOW + 30 * MIN);
    expect(w.sums(NOW + 30 * MIN)).toEqual({ a: 10, b: 1 });
    // 14:00–14:05 leaves the window at 15:00.
    expect(w.sums(NOW + 60 * MIN)).toEqual({ a: 5, b: 1 });
    expect(w.sums(NOW + 95 * MIN)).toEqual({});
    expect(w.empty).toBe(true);
  });

  it('keeps no bucket for zero counts and never more buckets than configured', () => {
    const w = new Window({ windowMs: HOUR, buckets: 12 });
    w.add({ a: 0 }, NOW);
    expect(w.empty).toBe(true);
    for (let t = 0; t < 5 * HOUR; t += MIN) w.add({ a: 1 }, NOW + t);
    expect(w.sums(NOW + 5 * HOUR - MIN).a).toBeLessThanOrEqual(60);
    expect(w.sums(NOW + 5 * HOUR - MIN).a).toBeGreaterThanOrEqual(55);
  });
});
