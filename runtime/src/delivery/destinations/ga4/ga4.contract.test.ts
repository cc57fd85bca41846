import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { errorOf, type SeenRequest, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { ga4, type Ga4Settings } from './index.ts';

/**
 * The GA4 Measurement Protocol as documented: POST /mp/collect with measurement_id and
 * api_secret in the query, a JSON body of one user's fields and up to 25 events, under
 * 130 kB; it answers 2xx whenever it received the request, whatever it then keeps.
 */
const api = useFakeApi(() => ({ status: 204 }));

const SECRET = 'ga-api-secret-1';
type Body = { client_id: string; user_id?: string; events: Array<{ name: string; params?: Record<string, unknown>; timestamp_micros?: number }> };
const bodyOf = (req: SeenRequest) => req.json as Body;
const nowMicros = () => Date.now() * 1000;
const event = (id: string, extra: Record<string, unknown> = {}): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', event: 'Order Completed', messageId: id, anonymousId: 'anon-1', timestamp: new Date().toISOString(), receivedAt: new Date().toISOString() },
  payload: { client_id: 'anon-1', name: 'purchase', params: { value: 10, currency: 'EUR' }, timestamp_micros: nowMicros(), ...extra },
});

function withClient(settings: Partial<Ga4Settings>, fn: (c: DestinationClient) => Promise<void>) {
  return withDestination(ga4, { name: 'ga', settings: { measurementId: 'G-TEST123', endpoint: api.base, ...settings }, credentials: { apiSecret: SECRET }, timeoutMs: 2000 }, fn);
}

describe('ga4 destination against a local Measurement Protocol endpoint', () => {
  it('posts to /mp/collect with measurement_id and api_secret in the query and the events in a JSON body', async () => {
    await withClient({}, async (c) => {
      expect(await send(c, [event('a', { user_id: 'user-1' }), event('b', { user_id: 'user-1', name: 'login', params: { method: 'email' } })])).toEqual([
        { ok: true },
        { ok: true },
      ]);
    });
    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    const url = new URL(req!.url, api.base);
    expect(url.pathname).toBe('/mp/collect');
    expect(Object.fromEntries(url.searchParams)).toEqual({ measurement_id: 'G-TEST123', api_secret: SECRET });
    expect(req!.headers['content-type']).toBe('application/json');
    const body = bodyOf(req!);
    expect(body.client_id).toBe('anon-1');
    expect(body.user_id).toBe('user-1');
    expect(body.events.map((e) => [e.name, e.params])).toEqual([
      ['purchase', { value: 10, currency: 'EUR' }],
      ['login', { method: 'email' }],
    ]);
    expect(body.events.every((e) => Number.isInteger(e.timestamp_micros))).toBe(true);
  });

  it('uses firebase_app_id and app_instance_id for an app stream', async () => {
    await withClient({ measurementId: undefined, firebaseAppId: '1:1234567890:android:321abc' }, async (c) => {
      const [r] = await send(c, [event('a', { client_id: undefined, app_instance_id: 'inst-1' })]);
      expect(r).toEqual({ ok: true });
    });
    const url = new URL(api.seen[0]!.url, api.base);
    expect(url.searchParams.get('firebase_app_id')).toBe('1:1234567890:android:321abc');
    expect((api.seen[0]!.json as { app_instance_id: string }).app_instance_id).toBe('inst-1');
  });

  it('splits 1,000 events of one client into 40 requests of 25, and separates clients', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => event(`e${i}`, { params: { n: i } }));
    batch.push(event('other', { client_id: 'anon-2' }));
    await withClient({}, async (c) => {
      expect((await send(c, batch)).every((r) => r.ok)).toBe(true);
    });
    expect(api.seen).toHaveLength(41);
    const sizes = api.seen.map((r) => [bodyOf(r).client_id, bodyOf(r).events.length]);
    expect(sizes.filter(([id]) => id === 'anon-1').every(([, n]) => n === 25)).toBe(true);
    expect(sizes.filter(([id]) => id === 'anon-2')).toEqual([['anon-2', 1]]);
    const ns = api.seen.flatMap((r) => bodyOf(r).events.map((e) => e.params?.n)).filter((n) => n !== undefined);
    expect(new Set(ns).size).toBe(1000);
    for (const r of api.seen) expect(r.raw.length).toBeLessThan(130_000);
  });

  it('dead-letters events GA4 would answer 2xx to and drop, and sends the rest', async () => {
    await withClient({}, async (c) => {
      const results = await send(c, [
        event('ok'),
        event('bad-name', { name: 'Order Completed' }),
        event('reserved', { name: 'session_start' }),
        event('no-client', { client_id: undefined }),
        event('too-old', { timestamp_micros: (Date.now() - 80 * 3_600_000) * 1000 }),
      ]);
      expect(results.map((r) => errorOf(r)?.kind ?? 'ok')).toEqual(['ok', 'payload', 'payload', 'payload', 'payload']);
      expect(errorOf(results[4])!.message).toContain('GA4 takes events at most 72 hours old');
    });
    expect(api.seen).toHaveLength(1);
    expect(bodyOf(api.seen[0]!).events).toHaveLength(1);
  });

  it.each([
    [400, 'payload'],
    [401, 'auth'],
    [403, 'auth'],
    [429, 'retryable'],
    [500, 'retryable'],
    [503, 'retryable'],
  ])('classifies %i as %s, never showing the API secret', async (status, kind) => {
    const headers: Record<string, string> = status === 429 ? { 'retry-after': '4' } : {};
    api.answer = () => ({ status, headers, body: `{"error":"nope","echo":"${SECRET}"}` });
    await withClient({}, async (c) => {
      const [r] = await send(c, [event('a')]);
      const err = errorOf(r);
      expect(err).toMatchObject({ kind, status });
      if (status === 429) expect(err!.retryAfterMs).toBe(4000);
      expect(err!.message).not.toContain(SECRET);
      expect(err!.bodyExcerpt).not.toContain(SECRET);
    });
  });
});
