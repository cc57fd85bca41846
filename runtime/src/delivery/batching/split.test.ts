import { describe, expect, it } from 'vitest';
import { DeliveryError, type SendResult } from '../types.ts';
import { chunkPositions, resultOf, shouldSplit } from './split.ts';

const fail = (kind: DeliveryError['kind']): SendResult => ({ ok: false, error: new DeliveryError('x', { kind }) });
const success: SendResult = { ok: true };

describe('shouldSplit', () => {
  it.each([
    ['a payload rejection of several events', fail('payload'), 4, 32, true],
    ['a payload rejection of one event', fail('payload'), 1, 32, false],
    ['no budget left', fail('payload'), 4, 1, false],
    ['a retryable failure', fail('retryable'), 4, 32, false],
    ['an auth failure', fail('auth'), 4, 32, false],
    ['a success', success, 4, 32, false],
  ])('%s → %s', (_, r, events, budget, expected) => {
    expect(shouldSplit(r, events, budget)).toBe(expected);
  });
});

describe('chunkPositions', () => {
  it.each([
    [5, 2, [], [[0, 1], [2, 3], [4]]],
    [5, 10, [], [[0, 1, 2, 3, 4]]],
    [5, 2, [1, 2], [[0, 3], [4]]],
    [0, 3, [], []],
    [2, 2, [0, 1], []],
  ])('size %i, max %i, skipping %j', (size, max, skip, expected) => {
    expect(chunkPositions(size, max, new Set(skip))).toEqual(expected);
  });
});

describe('resultOf', () => {
  const spec = { method: 'POST', url: 'https://api.example.com/e?access_token=sekrit-1', headers: {}, body: '', messageIds: ['a'] };

  it('words a failure with the API reason, no query string and no secret', () => {
    const r = resultOf(spec, { status: 400, headers: {}, body: '{"error":"sekrit-1 bad"}' }, () => ({ ok: false, kind: 'payload', reason: 'Invalid (code 100)', code: 'graph_100' }), ['sekrit-1']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe('sending POST https://api.example.com/e: answered 400: Invalid (code 100)');
    expect(r.error).toMatchObject({ kind: 'payload', status: 400, code: 'graph_100', bodyExcerpt: '{"error":"*** bad"}' });
  });

  it('reports an API error code in a 200 answer without the status', () => {
    const r = resultOf(spec, { status: 200, headers: {}, body: '{"code":40100}' }, () => ({ ok: false, kind: 'retryable', code: '40100' }), []);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.status).toBeUndefined();
    expect(r.error.code).toBe('40100');
    expect(r.error.message).toBe('sending POST https://api.example.com/e: answered 200: {"code":40100}');
  });
});
