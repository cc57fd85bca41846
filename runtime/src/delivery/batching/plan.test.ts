import { describe, expect, it } from 'vitest';
import { packBySize } from './plan.ts';

describe('packBySize', () => {
  const sizes = (groups: unknown[][]) => groups.map((g) => g.length);

  it.each([
    // [item sizes, maxCount, maxBytes, overhead, expected group sizes, too large]
    [[10, 10, 10], 2, 1000, 2, [2, 1], []],
    [[10, 10, 10], 10, 2 + 10 + 1 + 10, 2, [2, 1], []],
    [[10, 10, 10], 10, 2 + 10 + 1 + 10 - 1, 2, [1, 1, 1], []],
    [[5, 50, 5], 10, 30, 2, [2], [50]],
    [[], 10, 30, 2, [], []],
    [[28], 10, 30, 2, [1], []],
    [[29], 10, 30, 2, [], [29]],
  ])('sizes %j, at most %i per request and %i bytes (envelope %i)', (items, maxCount, maxBytes, overhead, expected, tooLarge) => {
    const out = packBySize(items, (n) => n, { maxCount, maxBytes, overhead });
    expect(sizes(out.groups)).toEqual(expected);
    expect(out.tooLarge).toEqual(tooLarge);
    for (const g of out.groups) expect(overhead + g.reduce((a, b) => a + b, 0) + g.length - 1).toBeLessThanOrEqual(maxBytes);
  });

  it('keeps the order of the items', () => {
    const items = Array.from({ length: 7 }, (_, i) => ({ i, size: 3 }));
    const out = packBySize(items, (x) => x.size, { maxCount: 3, maxBytes: 100, overhead: 0 });
    expect(out.groups.flat().map((x) => x.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(sizes(out.groups)).toEqual([3, 3, 1]);
  });
});
