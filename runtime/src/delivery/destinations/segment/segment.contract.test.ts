import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { basicCredentials, errorOf, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { segment } from './index.ts';
import { MAX_REQUEST_BYTES } from './request.ts';

/** Segment's HTTP Tracking API as documented: POST /v1/batch, Basic write key, 500 KB per request, 32 KB per event. */
const api = useFakeApi(() => ({ status: 200, body: '{"success":true}' }));

const WRITE_KEY = 'seg-write-key-1';
const event = (id: string, extra: Record<string, unknown> = {}): OutboundEvent => {
  const e = { type: 'track' as const, event: 'Order Completed', userId: 'user-1', messageId: id, timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:01.000Z', ...extra };
  return { messageId: id, event: e, payload: e };
};

function withClient(fn: (c: DestinationClient) => Promise<void>) {
  return withDestination(segment, { name: 'seg', settings: { endpoint: api.base }, credentials: { writeKey: WRITE_KEY }, timeoutMs: 2000 }, fn);
}

describe('segment destination against a local Tracking API', () => {
  it('posts the batch to /v1/batch with Basic write-key auth and JSON', async () => {
    await withClient(async (c) => {
      expect(await send(c, [event('a'), event('b', { type: 'identify', traits: { plan: 'pro' } })])).toEqual([{ ok: true }, { ok: true }]);
    });
    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/v1/batch');
    expect(basicCredentials(req!.headers)).toEqual([WRITE_KEY, '']);
    expect(req!.headers['content-type']).toBe('application/json');
    const body = req!.json as { batch: Array<Record<string, unknown>>; writeKey?: string };
    expect(body.writeKey).toBeUndefined();
    expect(body.batch.map((e) => [e.type, e.messageId, e.timestamp])).toEqual([
      ['track', 'a', '2024-05-01T10:00:00.000Z'],
      ['identify', 'b', '2024-05-01T10:00:00.000Z'],
    ]);
    expect(body.batch[1]!.traits).toEqual({ plan: 'pro' });
    expect(body.batch[0]!.receivedAt).toBeUndefined();
  });

  it('splits 1,000 events of 1.5 KB into requests of at most 500 KB, every event once and in order', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => event(`e${i}`, { properties: { note: 'z'.repeat(1500) } }));
    await withClient(async (c) => {
      const results = await send(c, batch);
      expect(results.every((r) => r.ok)).toBe(true);
    });
    expect(api.seen.length).toBe(4);
    for (const r of api.seen) expect(r.raw.length).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
    const ids = api.seen.flatMap((r) => (r.json as { batch: Array<{ messageId: string }> }).batch.map((e) => e.messageId)).sort();
    expect(ids).toEqual(batch.map((e) => e.messageId).sort());
  });

  it('never sends an event over 32 KB (Segment would refuse the whole request): it is dead-lettered alone', async () => {
    await withClient(async (c) => {
      const results = await send(c, [event('a'), event('huge', { properties: { blob: 'q'.repeat(40_000) } }), event('c')]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      expect(errorOf(results[1])).toMatchObject({ kind: 'payload', code: 'too_large' });
    });
    expect(api.seen).toHaveLength(1);
    expect((api.seen[0]!.json as { batch: unknown[] }).batch).toHaveLength(2);
  });

  it.each([
    [400, '{"success":false,"message":"request too large"}', 'payload'],
    [401, '{"success":false,"message":"invalid write key"}', 'auth'],
    [500, 'oops', 'retryable'],
    [503, 'unavailable', 'retryable'],
  ])('classifies %i as %s for every event of the request', async (status, body, kind) => {
    api.answer = () => ({ status, body });
    await withClient(async (c) => {
      const results = await send(c, [event('a'), event('b')]);
      expect(results.map((r) => errorOf(r)?.kind)).toEqual([kind, kind]);
      expect(errorOf(results[0])!.message).not.toContain(WRITE_KEY);
    });
  });

  it('retries 429 after Retry-After, or X-RateLimit-Reset when that is all it sends', async () => {
    const headers: Array<Record<string, string>> = [{ 'retry-after': '5', 'x-ratelimit-reset': '5' }, { 'x-ratelimit-reset': '12' }];
    api.answer = (_req, i) => ({ status: 429, headers: headers[i] ?? {} });
    await withClient(async (c) => {
      const [first] = await send(c, [event('a')]);
      const [second] = await send(c, [event('b')]);
      expect(errorOf(first)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 5000 });
      expect(errorOf(second)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 12_000 });
    });
  });
});
