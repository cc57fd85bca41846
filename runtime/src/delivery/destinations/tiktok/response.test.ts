import { describe, expect, it } from 'vitest';
import { classifyTikTokResponse, kindOfTikTokCode } from './response.ts';

const answer = (code: number, message = 'x') => JSON.stringify({ code, message, request_id: 'r1', data: {} });

describe('classifyTikTokResponse', () => {
  it.each([
    ['200 code 0', 200, answer(0, 'OK'), {}, { ok: true }],
    ['200 code 40002 parameter error', 200, answer(40002, 'Invalid value for event'), {}, { ok: false, kind: 'payload', code: '40002', reason: 'Invalid value for event (code 40002)' }],
    ['200 code 40100 too frequent', 200, answer(40100, 'Too many requests'), {}, { ok: false, kind: 'retryable', code: '40100' }],
    ['200 code 40105 bad token', 200, answer(40105), {}, { ok: false, kind: 'auth', code: '40105' }],
    ['200 code 40104 no token', 200, answer(40104), {}, { ok: false, kind: 'auth' }],
    ['200 code 40001 no permission', 200, answer(40001), {}, { ok: false, kind: 'auth' }],
    ['200 code 50000 system error', 200, answer(50000), {}, { ok: false, kind: 'retryable', code: '50000' }],
    ['200 code 51004', 200, answer(51004), {}, { ok: false, kind: 'retryable' }],
    ['200 without JSON', 200, 'ok', {}, { ok: false, kind: 'retryable', code: 'no_code' }],
    ['429 from the gateway', 429, '', { 'retry-after': '3' }, { ok: false, kind: 'retryable', retryAfterMs: 3000 }],
    ['503 from the gateway', 503, answer(50002, 'busy'), {}, { ok: false, kind: 'retryable', reason: 'busy (code 50002)' }],
    ['401 from the gateway', 401, '', {}, { ok: false, kind: 'auth' }],
  ])('%s', (_, status, body, headers, expected) => {
    expect(classifyTikTokResponse({ status, body, headers }, 0)).toMatchObject(expected);
  });
});

describe('kindOfTikTokCode', () => {
  it.each([
    [0, undefined],
    [40000, 'payload'],
    [40002, 'payload'],
    [40100, 'retryable'],
    [40102, 'auth'],
    [40105, 'auth'],
    [40200, 'payload'],
    [50002, 'retryable'],
    [7, 'permanent'],
  ])('%i → %s', (code, kind) => {
    expect(kindOfTikTokCode(code)).toBe(kind);
  });
});
