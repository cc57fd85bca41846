import { describe, expect, it } from 'vitest';
import { DedupIndex, hashId } from './dedup.ts';

describe('hashId', () => {
  it('is stable and spreads similar ids', () => {
    expect(hashId('node-next-1-abc')).toEqual(hashId('node-next-1-abc'));
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const h = hashId(`msg-${i}`);
      seen.add(`${h.hi}:${h.lo}`);
    }
    expect(seen.size).toBe(100_000);
  });
});

describe('DedupIndex', () => {
  it('finds what was added, under colliding hashes too', () => {
    const index = new DedupIndex({ windowMs: 1_000, maxEntries: 1_000, startedAt: 0 });
    const h = { hi: 7, lo: 9 };
    index.add(h, 1, 0);
    index.add(h, 2, 0);
    index.add({ hi: 7, lo: 10 }, 3, 0);
    expect(index.candidates(h).sort()).toEqual([1, 2]);
    expect(index.candidates({ hi: 8, lo: 9 })).toEqual([]);
  });

  it('removes one entry and keeps the probe chain intact', () => {
    const index = new DedupIndex({ windowMs: 1_000, maxEntries: 1_000, startedAt: 0 });
    const h = { hi: 7, lo: 9 };
    index.add(h, 1, 0);
    index.add({ hi: 7, lo: 10 }, 2, 0);
    index.remove(h, 1);
    expect(index.candidates(h)).toEqual([]);
    expect(index.candidates({ hi: 7, lo: 10 })).toEqual([2]);
    expect(index.size).toBe(1);
  });

  it('keeps entries for at least the window, then drops them', () => {
    const index = new DedupIndex({ windowMs: 1_000, maxEntries: 1_000, startedAt: 0 });
    const h = hashId('a');
    index.add(h, 1, 0);
    index.add(hashId('b'), 2, 999);
    expect(index.candidates(h)).toEqual([1]);
    index.add(hashId('c'), 3, 1_000);
    expect(index.candidates(h)).toEqual([1]);
    index.add(hashId('d'), 4, 2_000);
    expect(index.candidates(h)).toEqual([]);
  });

  it('rotates early when full and says so', () => {
    const index = new DedupIndex({ windowMs: 1_000_000, maxEntries: 100, startedAt: 0 });
    let early = 0;
    index.onEarlyRotation = () => early++;
    for (let i = 1; i <= 250; i++) index.add(hashId(`m${i}`), i, 0);
    expect(early).toBe(2);
    expect(index.size).toBeLessThanOrEqual(200);
    expect(index.candidates(hashId('m250'))).toEqual([250]);
    expect(index.candidates(hashId('m1'))).toEqual([]);
  });

  it('grows past its first capacity', () => {
    const index = new DedupIndex({ windowMs: 1_000, maxEntries: 1_000_000, startedAt: 0 });
    for (let i = 1; i <= 50_000; i++) index.add(hashId(`m${i}`), i, 0);
    expect(index.size).toBe(50_000);
    expect(index.candidates(hashId('m31337'))).toEqual([31_337]);
  });

  it('remembers nothing with a zero window', () => {
    const index = new DedupIndex({ windowMs: 0, maxEntries: 100, startedAt: 0 });
    index.add(hashId('a'), 1, 0);
    expect(index.candidates(hashId('a'))).toEqual([]);
  });
});
