import { describe, expect, it } from 'vitest';
import type { SendResult } from '../../types.ts';
import type { AmplitudeRequest } from './request.ts';
import { DAILY_QUOTA_WAIT_MS, classifyAmplitudeResponse, fieldsByIndex, keysAfter } from './response.ts';

const request = (n: number, ids: AmplitudeRequest['ids'] = []): AmplitudeRequest => ({
  spec: { method: 'POST', url: 'https://api2.amplitude.com/2/httpapi', headers: {}, body: '{"api_key":"amp-key-123"}', messageIds: [] },
  positions: Array.from({ length: n }, (_, i) => 10 + i),
  ids: Array.from({ length: n }, (_, i) => ids[i] ?? { userId: `user-${i}`, deviceId: undefined }),
});
const summary = (results: SendResult[]) => results.map((r) => (r.ok ? 'ok' : `${r.error.kind}${r.error.retryAfterMs === undefined ? '' : `@${r.error.retryAfterMs}`}`));
const classify = (status: number, body: unknown, n = 4, opts: { api?: 'http' | 'batch'; headers?: Record<string, string>; ids?: AmplitudeRequest['ids'] } = {}) =>
  classifyAmplitudeResponse({ status, headers: opts.headers ?? {}, body: typeof body === 'string' ? body : JSON.stringify(body) }, request(n, opts.ids), {
    api: opts.api ?? 'http',
    secrets: ['amp-key-123'],
    now: 0,
  });

describe('classifyAmplitudeResponse', () => {
  it.each([
    ['200: all delivered', 200, { code: 200, events_ingested: 4 }, ['ok', 'ok', 'ok', 'ok']],
    [
      '400 with invalid and missing fields: those dead-letter, the rest go again',
      400,
      { code: 400, error: 'Invalid field values on some events', events_with_invalid_fields: { time: [1] }, events_with_missing_fields: { event_type: [3] } },
      ['retryable', 'payload', 'retryable', 'payload'],
    ],
    [
      '400 with silenced and throttled devices',
      400,
      { code: 400, error: 'Events silenced for device_id', silenced_events: [0], throttled_events: [2], throttled_devices: { d: 100 } },
      ['permanent', 'retryable', 'retryable@30000', 'retryable'],
    ],
    ['400 naming no event: the request is wrong', 400, { code: 400, error: 'Invalid JSON request body' }, ['payload', 'payload', 'payload', 'payload']],
    ['400 for the API key: auth', 400, { code: 400, error: 'Invalid API key: amp-key-123' }, ['auth', 'auth', 'auth', 'auth']],
    ['400 with a body that is not JSON', 400, 'bad request', ['payload', 'payload', 'payload', 'payload']],
    [
      '429 naming throttled events: they wait 30 s, the others go again',
      429,
      { code: 429, error: 'Too many requests for some devices and users', eps_threshold: 30, throttled_users: { 'user-1': 32 }, throttled_events: [1, 3] },
      ['retryable', 'retryable@30000', 'retryable', 'retryable@30000'],
    ],
    ['429 naming none: all wait', 429, { code: 429, error: 'Too many requests' }, ['retryable@30000', 'retryable@30000', 'retryable@30000', 'retryable@30000']],
    ['413: too large', 413, { code: 413, error: 'Payload too large' }, ['payload', 'payload', 'payload', 'payload']],
    ['403: blocked by the firewall', 403, { code: 403, error: 'Forbidden' }, ['auth', 'auth', 'auth', 'auth']],
    ['500: retried', 500, '', ['retryable', 'retryable', 'retryable', 'retryable']],
    ['503: retried', 503, '', ['retryable', 'retryable', 'retryable', 'retryable']],
  ])('%s', (_, status, body, expected) => {
    expect(summary(classify(status, body))).toEqual(expected);
  });

  it('waits 15 s for the Batch API, or what Retry-After asks', () => {
    const body = { code: 429, throttled_events: [0] };
    expect(summary(classify(429, body, 2, { api: 'batch' }))).toEqual(['retryable@15000', 'retryable']);
    expect(summary(classify(429, body, 2, { headers: { 'retry-after': '7' } }))).toEqual(['retryable@7000', 'retryable@7000']);
  });

  it('makes users and devices over the daily quota wait an hour, matched by their ids', () => {
    const body = {
      code: 429,
      throttled_events: [0, 1, 2],
      exceeded_daily_quota_users: { 'user-0': 500200 },
      exceeded_daily_quota_devices: { 'dev-2': 500900 },
    };
    const ids = [
      { userId: 'user-0', deviceId: 'dev-0' },
      { userId: 'user-1', deviceId: 'dev-1' },
      { userId: undefined, deviceId: 'dev-2' },
    ];
    expect(summary(classify(429, body, 3, { ids }))).toEqual([`retryable@${DAILY_QUOTA_WAIT_MS}`, 'retryable@30000', `retryable@${DAILY_QUOTA_WAIT_MS}`]);
  });

  it('names the rejected fields and masks the API key', () => {
    const [r] = classify(400, { code: 400, error: 'bad amp-key-123', events_with_invalid_fields: { time: [0], user_id: [0] } }, 1);
    const err = r && !r.ok ? r.error : undefined;
    expect(err!.message).toBe('sending POST https://api2.amplitude.com/2/httpapi: answered 400: event rejected: invalid or missing time, user_id');
    expect(err!.bodyExcerpt).toContain('bad ***');
  });

  it('still reads the indices of a body cut short', () => {
    const body = JSON.stringify({ code: 400, events_with_invalid_fields: { time: [0, 2, 3] } }).slice(0, -6);
    expect(summary(classify(400, body))).toEqual(['payload', 'retryable', 'retryable', 'retryable']);
  });
});

describe('body readers', () => {
  it.each([
    ['{"events_with_invalid_fields":{"time":[1,2],"ip":[2]}}', 5, { 1: ['time'], 2: ['time', 'ip'] }],
    ['{"events_with_invalid_fields":{"time":[1,2]},"events_with_missing_fields":{"event_type":[0]}}', 5, { 0: ['event_type'], 1: ['time'], 2: ['time'] }],
    ['{"events_with_invalid_fields":{"time":[1,9]}}', 5, { 1: ['time'] }],
    ['{"events_with_invalid_fields":{"time":[1,23', 30, { 1: ['time'] }],
    ['{"events_with_invalid_fields":{"time":[1,', 30, { 1: ['time'] }],
    ['{"error":"x"}', 5, {}],
  ])('fieldsByIndex(%s)', (body, count, expected) => {
    expect(Object.fromEntries(fieldsByIndex(body, count, ['events_with_invalid_fields', 'events_with_missing_fields']))).toEqual(expected);
  });

  it('reads the ids of a quota list', () => {
    expect(keysAfter('{"exceeded_daily_quota_users":{"a@b.c":5,"x\\"y":6},"z":{"q":1}}', 'exceeded_daily_quota_users')).toEqual(['a@b.c', 'x"y']);
    expect(keysAfter('{}', 'exceeded_daily_quota_users')).toEqual([]);
  });
});
