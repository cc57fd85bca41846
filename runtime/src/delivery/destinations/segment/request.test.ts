import { describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../types.ts';
import { resolveSegmentTarget, segment } from './index.ts';
import { MAX_EVENT_BYTES, MAX_REQUEST_BYTES, buildSegmentRequests, checkEvent, classifySegmentResponse } from './request.ts';

const T0 = '2024-05-01T10:00:00.000Z';
const track = (id: string, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'Order Completed', userId: 'u-1', messageId: id, timestamp: T0, ...extra });
const out = (id: string, payload: unknown = track(id)): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', messageId: id, timestamp: T0, receivedAt: T0 },
  payload,
});
const target = { url: 'https://api.segment.io/v1/batch', writeKey: 'wk-123456' };

describe('buildSegmentRequests', () => {
  it('posts {"batch": [...]} with the write key as Basic credentials', () => {
    const plan = buildSegmentRequests([out('a'), out('b')], target);
    expect(plan.refused).toEqual([]);
    expect(plan.requests).toHaveLength(1);
    const { spec, positions } = plan.requests[0]!;
    expect(positions).toEqual([0, 1]);
    expect(spec).toMatchObject({ method: 'POST', url: target.url, messageIds: ['a', 'b'] });
    expect(spec.headers.authorization).toBe(`Basic ${Buffer.from('wk-123456:').toString('base64')}`);
    expect(spec.headers['content-type']).toBe('application/json');
    expect(JSON.parse(spec.body)).toEqual({ batch: [track('a'), track('b')] });
  });

  it('drops sentAt and receivedAt so Segment keeps the event time', () => {
    const plan = buildSegmentRequests([out('a', track('a', { sentAt: T0, receivedAt: T0, originalTimestamp: T0 }))], target);
    const [sent] = (JSON.parse(plan.requests[0]!.spec.body) as { batch: Array<Record<string, unknown>> }).batch;
    expect(sent).toEqual(track('a', { originalTimestamp: T0 }));
  });

  it('refuses, with the reason, events Segment would drop or that would fail the request', () => {
    const big = track('big', { properties: { blob: 'x'.repeat(MAX_EVENT_BYTES) } });
    const plan = buildSegmentRequests([out('ok'), out('anon', { type: 'track', event: 'E' }), out('big', big), out('str', 'text')], target);
    expect(plan.requests.map((r) => r.positions)).toEqual([[0]]);
    expect(plan.refused.map((r) => [r.position, r.error.kind, r.error.code])).toEqual([
      [1, 'payload', 'invalid_payload'],
      [2, 'payload', 'too_large'],
      [3, 'payload', 'invalid_payload'],
    ]);
    expect(plan.refused[0]!.error.message).toBe('building the request: the event has neither userId nor anonymousId');
  });

  it('splits batches so that no request exceeds 500 KB', () => {
    const batch = Array.from({ length: 60 }, (_, i) => out(`e${i}`, track(`e${i}`, { properties: { blob: 'y'.repeat(20_000) } })));
    const plan = buildSegmentRequests(batch, target);
    expect(plan.requests.length).toBe(3);
    expect(plan.requests.flatMap((r) => r.positions)).toEqual(batch.map((_, i) => i));
    for (const r of plan.requests) expect(Buffer.byteLength(r.spec.body)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });
});

describe('checkEvent', () => {
  it.each([
    [track('a'), undefined],
    [{ type: 'identify', anonymousId: 'x' }, undefined],
    [{ type: 'nope', userId: 'u' }, '"type" must be one of track, identify, page, screen, group, alias'],
    [{ type: 'track', userId: 'u' }, 'a track event needs an "event" name'],
    [{ type: 'group', userId: 'u' }, 'a group event needs a "groupId"'],
    [{ type: 'alias', userId: 'u' }, 'an alias event needs a "previousId"'],
    [{ type: 'page', userId: '' }, 'the event has neither userId nor anonymousId'],
    [[1], 'the mapped payload is not an object'],
  ])('%j → %s', (payload, expected) => {
    expect(checkEvent(payload)).toBe(expected);
  });
});

describe('classifySegmentResponse', () => {
  const request = buildSegmentRequests([out('a'), out('b')], target).requests[0]!;
  const now = Date.parse('2024-05-01T10:00:00Z');

  it.each([
    [200, {}, [true, true], undefined, undefined],
    [400, {}, [false, false], 'payload', undefined],
    [401, {}, [false, false], 'auth', undefined],
    [429, { 'retry-after': '3' }, [false, false], 'retryable', 3000],
    [429, { 'x-ratelimit-reset': '9' }, [false, false], 'retryable', 9000],
    [429, { 'retry-after': '2', 'x-ratelimit-reset': '9' }, [false, false], 'retryable', 2000],
    [503, {}, [false, false], 'retryable', undefined],
  ])('%i %j', (status, headers, oks, kind, retryAfterMs) => {
    const results = classifySegmentResponse({ status, headers, body: '{"success":false}' }, request, ['wk-123456'], now);
    expect(results.map((r) => r.ok)).toEqual(oks);
    if (kind) {
      const err = results[0]!.ok ? undefined : results[0]!.error;
      expect(err).toMatchObject({ kind, status, retryAfterMs });
    }
  });
});

describe('segment settings', () => {
  it.each([
    [{}, 'https://api.segment.io/v1/batch'],
    [{ region: 'eu' as const }, 'https://events.eu1.segmentapis.com/v1/batch'],
    [{ endpoint: 'http://127.0.0.1:9/' }, 'http://127.0.0.1:9/v1/batch'],
  ])('%j → %s', (settings, url) => {
    expect(resolveSegmentTarget(settings, { writeKey: 'k' }).url).toBe(url);
  });

  it('needs a write key', () => {
    expect(() => resolveSegmentTarget({}, {})).toThrow('segment settings: the credentials Secret needs a "writeKey" key');
  });

  it('previews requests with the write key masked', async () => {
    const client = segment.create({ name: 'seg', settings: {}, credentials: { writeKey: 'wk-123456' }, timeoutMs: 1000 });
    const [req] = client.preview!([out('a', track('a', { properties: { echo: 'wk-123456' } }))]);
    expect(req!.headers.authorization).toBe('Basic ***');
    expect(req!.body).not.toContain('wk-123456');
    expect(req!.url).toBe('https://api.segment.io/v1/batch');
    await client.close?.();
  });
});
