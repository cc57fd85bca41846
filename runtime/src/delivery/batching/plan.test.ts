import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../types.ts';
import { answerError, indicesAfter, jsonObject, listedPositions, packBySize } from './batching.ts';

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

describe('indicesAfter', () => {
  it.each([
    ['{"failed":[1, 4 ,7],"x":1}', 'failed', [1, 4, 7]],
    ['{"failed":[]}', 'failed', []],
    ['{"other":[1]}', 'failed', []],
    ['{"failed":[3,4,1', 'failed', [3, 4]],
    ['{"failed":[3,4,12]', 'failed', [3, 4, 12]],
    ['{"failed" : [ 0 ]}', 'failed', [0]],
    ['{"not_failed":[9],"failed":[2]}', 'failed', [2]],
  ])('%s → %j', (body, key, expected) => {
    expect(indicesAfter(body, key)).toEqual(expected);
  });
});

describe('helpers', () => {
  it('reads JSON objects and nothing else', () => {
    expect(jsonObject('{"a":1}')).toEqual({ a: 1 });
    expect(jsonObject('[1]')).toBeUndefined();
    expect(jsonObject('{"a":')).toBeUndefined();
  });

  it('keeps listed positions inside the request', () => {
    expect([...listedPositions([0, 2, 2, 5, -1, 1.5], 3)]).toEqual([0, 2]);
  });

  it('builds answer errors with the masked body and the retry delay', () => {
    const spec = { method: 'POST', url: 'https://api.example.com/x?key=sekrit-1', headers: {}, body: '', messageIds: [] };
    const e = answerError(spec, { status: 429, headers: {}, body: 'slow down sekrit-1' }, ['sekrit-1'], { kind: 'retryable', detail: 'throttled', retryAfterMs: 30_000 });
    expect(e).toBeInstanceOf(DeliveryError);
    expect(e).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 30_000, bodyExcerpt: 'slow down ***' });
    expect(e.message).toBe('sending POST https://api.example.com/x: answered 429: throttled');
  });
});
