import { describe, expect, it } from 'vitest';
import type { PlannedRequest } from '../../http.ts';
import type { SendResult } from '../../types.ts';
import { classifyMixpanelResponse, salvageFailures } from './response.ts';

const request = (n: number): PlannedRequest => ({
  spec: { method: 'POST', url: 'https://api.mixpanel.com/import?strict=1', headers: {}, body: '[]', messageIds: [] },
  positions: Array.from({ length: n }, (_, i) => 5 + i),
});
const summary = (results: SendResult[]) => results.map((r) => (r.ok ? 'ok' : r.error.kind));
const classify = (status: number, body: unknown, n = 4, headers: Record<string, string> = {}) =>
  classifyMixpanelResponse({ status, headers, body: typeof body === 'string' ? body : JSON.stringify(body) }, request(n), ['tok-123456']);

const failed = (indices: number[]) => ({
  code: 400,
  error: 'some data points in the request failed validation',
  status: 'Bad Request',
  num_records_imported: 4 - indices.length,
  failed_records: indices.map((index) => ({ index, $insert_id: `id-${index}`, field: 'properties.time', message: "'properties.time' is invalid: must be specified as seconds since epoch" })),
});

describe('classifyMixpanelResponse', () => {
  it.each([
    ['200: all imported', 200, { code: 200, num_records_imported: 4, status: 'OK' }, ['ok', 'ok', 'ok', 'ok']],
    ['400 listing failed records: only they dead-letter, the rest were imported', 400, failed([1, 3]), ['ok', 'payload', 'ok', 'payload']],
    ['400 listing none: the request is wrong', 400, { code: 400, error: 'invalid JSON', status: 'Bad Request' }, ['payload', 'payload', 'payload', 'payload']],
    ['400 that is not JSON', 400, '<html>bad request</html>', ['payload', 'payload', 'payload', 'payload']],
    ['401: auth', 401, { code: 401, error: 'Invalid credentials' }, ['auth', 'auth', 'auth', 'auth']],
    ['403: auth', 403, { code: 403, error: 'forbidden' }, ['auth', 'auth', 'auth', 'auth']],
    ['413: too large', 413, { code: 413, error: 'request too large' }, ['payload', 'payload', 'payload', 'payload']],
    ['429: back off', 429, { code: 429, error: 'Project exceeded rate limits. Please retry the request with exponential backoff.' }, ['retryable', 'retryable', 'retryable', 'retryable']],
    ['502: back off', 502, '', ['retryable', 'retryable', 'retryable', 'retryable']],
    ['503: back off', 503, '', ['retryable', 'retryable', 'retryable', 'retryable']],
  ])('%s', (_, status, body, expected) => {
    expect(summary(classify(status, body))).toEqual(expected);
  });

  it('says which field failed and why', () => {
    const r = classify(400, failed([0]), 1)[0]!;
    expect(r.ok ? undefined : r.error.message).toBe(
      "sending POST https://api.mixpanel.com/import: answered 400: event rejected: properties.time: 'properties.time' is invalid: must be specified as seconds since epoch",
    );
  });

  it('sends unlisted events again when the answer was cut short, and still dead-letters the listed ones', () => {
    const full = JSON.stringify(failed([0, 2, 3]));
    const body = full.slice(0, full.indexOf('"index":2') + 5);
    expect(summary(classify(400, body))).toEqual(['payload', 'retryable', 'retryable', 'retryable']);
    const one = JSON.stringify(failed([0]));
    const beforeAnyIndex = one.slice(0, one.indexOf('"index":0') + 3);
    expect(beforeAnyIndex).toContain('"failed_records"');
    expect(summary(classify(400, beforeAnyIndex, 2))).toEqual(['retryable', 'retryable']);
  });

  it('honours Retry-After on a 429', () => {
    const r = classify(429, '{}', 1, { 'retry-after': '20' })[0]!;
    expect(r.ok ? undefined : r.error.retryAfterMs).toBe(20_000);
  });
});

describe('salvageFailures', () => {
  it.each([
    ['{"failed_records":[{"index":0,"x":1},{"index":12}', 20, [0, 12]],
    ['{"failed_records":[{"index":0},{"index":1', 20, [0]],
    ['{"failed_records":[{"index":99}]}', 20, []],
    ['{"index":3,"failed_records":[]}', 20, []],
  ])('%s', (body, count, expected) => {
    expect([...salvageFailures(body, count).keys()]).toEqual(expected);
  });
});
