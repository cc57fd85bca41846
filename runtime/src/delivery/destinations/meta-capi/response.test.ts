import { describe, expect, it } from 'vitest';
import type { HttpHeaders } from '../../classify.ts';
import { classifyMetaResponse, kindOfGraphError, regainAccessMs } from './response.ts';

const graph = (code: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ error: { message: `m${code}`, type: 'OAuthException', code, fbtrace_id: 'A1', ...extra } });
const res = (status: number, body = '', headers: HttpHeaders = {}) => ({ status, headers, body });

describe('classifyMetaResponse', () => {
  it.each([
    ['200 events_received', res(200, '{"events_received":2,"messages":[],"fbtrace_id":"x"}'), { ok: true }],
    ['400 invalid parameter', res(400, graph(100, { error_subcode: 2804019, error_user_msg: 'Invalid event_time' })), { ok: false, kind: 'payload', code: 'graph_100', reason: 'Invalid event_time (code 100, subcode 2804019)' }],
    ['400 unknown pixel (subcode 33)', res(400, graph(100, { error_subcode: 33 })), { ok: false, kind: 'permanent', code: 'graph_100' }],
    ['400 expired token', res(400, graph(190, { error_subcode: 463 })), { ok: false, kind: 'auth', code: 'graph_190' }],
    ['400 missing permission (code 200)', res(400, graph(200)), { ok: false, kind: 'auth' }],
    ['403 method permission (code 10)', res(403, graph(10)), { ok: false, kind: 'auth' }],
    ['400 application request limit (code 4)', res(400, graph(4)), { ok: false, kind: 'retryable', code: 'graph_4' }],
    ['400 user request limit (code 17)', res(400, graph(17)), { ok: false, kind: 'retryable' }],
    ['400 ads rate limit (code 80004)', res(400, graph(80004)), { ok: false, kind: 'retryable' }],
    ['500 temporary (code 2)', res(500, graph(2)), { ok: false, kind: 'retryable' }],
    ['400 flagged transient', res(400, graph(9999, { is_transient: true })), { ok: false, kind: 'retryable' }],
    ['400 unknown code falls back on the status', res(400, graph(9999)), { ok: false, kind: 'payload' }],
    ['503 without a Graph error', res(503, 'upstream busy'), { ok: false, kind: 'retryable' }],
    ['401 without a Graph error', res(401, ''), { ok: false, kind: 'auth' }],
    ['404 without a Graph error', res(404, 'not found'), { ok: false, kind: 'permanent' }],
  ])('%s', (_, r, expected) => {
    expect(classifyMetaResponse(r, 0)).toMatchObject(expected);
  });

  it('waits for Retry-After when throttled, even on a 400', () => {
    expect(classifyMetaResponse(res(400, graph(4), { 'retry-after': '30' }), 0)).toMatchObject({ kind: 'retryable', retryAfterMs: 30_000 });
    expect(classifyMetaResponse(res(429, '', { 'retry-after': '2' }), 0)).toMatchObject({ kind: 'retryable', retryAfterMs: 2000 });
  });

  it('waits for estimated_time_to_regain_access when there is no Retry-After', () => {
    const usage = JSON.stringify({ '1234': [{ type: 'ads_management', call_count: 100, total_cputime: 20, total_time: 30, estimated_time_to_regain_access: 3 }] });
    expect(classifyMetaResponse(res(400, graph(80004), { 'x-business-use-case-usage': usage }), 0)).toMatchObject({ kind: 'retryable', retryAfterMs: 180_000 });
  });

  it('never reads a wait into a permanent failure', () => {
    expect(classifyMetaResponse(res(400, graph(100), { 'retry-after': '30' }), 0)).not.toHaveProperty('retryAfterMs');
  });
});

describe('kindOfGraphError', () => {
  it.each([
    [{ code: 1 }, 'retryable'],
    [{ code: 613 }, 'retryable'],
    [{ code: 102 }, 'auth'],
    [{ code: 299 }, 'auth'],
    [{ code: 100 }, 'payload'],
    [{ code: 100, subcode: 33 }, 'permanent'],
    [{ code: 12345 }, undefined],
    [{}, undefined],
  ])('%j → %s', (e, kind) => {
    expect(kindOfGraphError(e)).toBe(kind);
  });
});

describe('regainAccessMs', () => {
  it.each([
    ['absent', {}, undefined],
    ['not JSON', { 'x-business-use-case-usage': 'nope' }, undefined],
    ['zero', { 'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":0}]}' }, undefined],
    ['the longest of several', { 'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":2}],"2":[{"estimated_time_to_regain_access":7}]}' }, 420_000],
    ['capped at a day', { 'x-business-use-case-usage': '{"1":[{"estimated_time_to_regain_access":99999}]}' }, 86_400_000],
  ])('%s', (_, headers, expected) => {
    expect(regainAccessMs(headers)).toBe(expected);
  });
});
