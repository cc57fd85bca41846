import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, MAX_RETRY_AFTER_MS, parseRetryAfter } from './classify.ts';

const NOW = Date.parse('2024-05-01T10:00:00Z');

describe('classifyHttpStatus', () => {
  it.each([
    [200, {}, { ok: true }],
    [201, {}, { ok: true }],
    [204, {}, { ok: true }],
    [408, {}, { ok: false, kind: 'retryable' }],
    [423, {}, { ok: false, kind: 'retryable' }],
    [429, {}, { ok: false, kind: 'retryable' }],
    [429, { 'retry-after': '3' }, { ok: false, kind: 'retryable', retryAfterMs: 3000 }],
    [503, { 'retry-after': 'Wed, 01 May 2024 10:00:30 GMT' }, { ok: false, kind: 'retryable', retryAfterMs: 30_000 }],
    [500, {}, { ok: false, kind: 'retryable' }],
    [502, {}, { ok: false, kind: 'retryable' }],
    [599, {}, { ok: false, kind: 'retryable' }],
    [400, {}, { ok: false, kind: 'payload' }],
    [400, { 'retry-after': '3' }, { ok: false, kind: 'payload' }],
    [413, {}, { ok: false, kind: 'payload' }],
    [422, {}, { ok: false, kind: 'payload' }],
    [401, {}, { ok: false, kind: 'auth' }],
    [403, {}, { ok: false, kind: 'auth' }],
    [404, {}, { ok: false, kind: 'permanent' }],
    [410, {}, { ok: false, kind: 'permanent' }],
    [301, {}, { ok: false, kind: 'permanent' }],
    [600, {}, { ok: false, kind: 'permanent' }],
  ])('%i %j', (status, headers, expected) => {
    expect(classifyHttpStatus(status, headers, NOW)).toEqual(expected);
  });

  it('reads the first of repeated Retry-After headers', () => {
    expect(classifyHttpStatus(429, { 'retry-after': ['2', '9'] }, NOW)).toEqual({ ok: false, kind: 'retryable', retryAfterMs: 2000 });
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['1.5', 1500],
    ['-1', undefined],
    ['soon', undefined],
    ['12', 12_000],
    ['Wed, 01 May 2024 10:01:00 GMT', 60_000],
    ['Wednesday, 01-May-24 10:00:10 GMT', 10_000],
    ['Wed, 01 May 2024 09:00:00 GMT', 0],
    ['99999999', MAX_RETRY_AFTER_MS],
    ['Fri, 31 Dec 2100 00:00:00 GMT', MAX_RETRY_AFTER_MS],
  ])('%j → %j', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});
