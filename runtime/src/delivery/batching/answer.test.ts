import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../types.ts';
import { answerError, indicesAfter, jsonObject, listedPositions } from './answer.ts';

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

describe('jsonObject', () => {
  it.each([
    ['{"a":1}', { a: 1 }],
    ['[1]', undefined],
    ['ok', undefined],
    ['null', undefined],
  ])('%s', (body, expected) => {
    expect(jsonObject(body)).toEqual(expected);
  });
});
