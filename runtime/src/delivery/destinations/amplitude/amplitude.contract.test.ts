import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { errorOf, type SeenRequest, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { amplitude, type AmplitudeSettings } from './index.ts';

/**
 * Amplitude's HTTP V2 and Batch Event Upload APIs as documented: POST JSON with the API key
 * in the body, 2,000 events and 1 MB (HTTP V2) or 20 MB (batch) per request, and the
 * documented 400/413/429/5xx answers.
 */
const api = useFakeApi((req) => ({ status: 200, body: JSON.stringify({ code: 200, events_ingested: eventsOf(req).length, server_upload_time: 1714557600000 }) }));

const API_KEY = 'amp-secret-key-1';
type AmpEvent = { event_type: string; user_id?: string; device_id?: string; insert_id: string; time: number };
const eventsOf = (req: SeenRequest) => (req.json as { events: AmpEvent[] }).events;
const event = (id: string, extra: Record<string, unknown> = {}): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', event: 'Order Completed', messageId: id, userId: 'user-1', timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z' },
  payload: { event_type: 'Order Completed', user_id: 'user-1', time: 1714557600000, insert_id: id, ...extra },
});

function withClient(settings: Partial<AmplitudeSettings>, fn: (c: DestinationClient) => Promise<void>) {
  return withDestination(amplitude, { name: 'amp', settings: { endpoint: api.base, ...settings }, credentials: { apiKey: API_KEY }, timeoutMs: 2000 }, fn);
}

describe('amplitude destination against a local Amplitude API', () => {
  it('posts events to /2/httpapi with the API key in the JSON body', async () => {
    await withClient({ minIdLength: 3 }, async (c) => {
      expect(await send(c, [event('a'), event('b')])).toEqual([{ ok: true }, { ok: true }]);
    });
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/2/httpapi');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.json).toEqual({
      api_key: API_KEY,
      events: [
        { event_type: 'Order Completed', user_id: 'user-1', time: 1714557600000, insert_id: 'a' },
        { event_type: 'Order Completed', user_id: 'user-1', time: 1714557600000, insert_id: 'b' },
      ],
      options: { min_id_length: 3 },
    });
  });

  it('uses /batch for the Batch Event Upload API', async () => {
    await withClient({ api: 'batch' }, async (c) => {
      await send(c, [event('a')]);
    });
    expect(api.seen.map((r) => r.url)).toEqual(['/batch']);
  });

  it('splits 4,500 events into requests of at most 2,000, each event once', async () => {
    const batch = Array.from({ length: 4500 }, (_, i) => event(`e${i}`));
    await withClient({}, async (c) => {
      const results = await send(c, batch);
      expect(results.every((r) => r.ok)).toBe(true);
    });
    expect(api.seen.map((r) => eventsOf(r).length).sort((a, b) => b - a)).toEqual([2000, 2000, 500]);
    expect(new Set(api.seen.flatMap((r) => eventsOf(r).map((e) => e.insert_id))).size).toBe(4500);
    for (const r of api.seen) expect(r.raw.length).toBeLessThan(1_000_000);
  });

  it('dead-letters the events a 400 names and sends the rest again (Amplitude ingested none of them)', async () => {
    api.answer = (req, i) => {
      if (i > 0) return { status: 200, body: '{"code":200}' };
      const bad = eventsOf(req).findIndex((e) => e.insert_id === 'bad');
      return { status: 400, body: JSON.stringify({ code: 400, error: 'Invalid field values on some events', events_with_invalid_fields: { time: [bad] } }) };
    };
    await withClient({}, async (c) => {
      const first = await send(c, [event('a'), event('bad', { time: 1 }), event('c')]);
      expect(first.map((r) => errorOf(r)?.kind ?? 'ok')).toEqual(['retryable', 'payload', 'retryable']);
      expect(errorOf(first[1])!.message).toContain('invalid or missing time');
      const again = await send(c, [event('a'), event('c')]);
      expect(again.every((r) => r.ok)).toBe(true);
    });
    expect(api.seen.map((r) => eventsOf(r).map((e) => e.insert_id))).toEqual([['a', 'bad', 'c'], ['a', 'c']]);
  });

  it('holds throttled users back 30 s on a 429 and an hour when over the daily quota', async () => {
    api.answer = () => ({
      status: 429,
      body: JSON.stringify({
        code: 429,
        error: 'Too many requests for some devices and users',
        eps_threshold: 30,
        throttled_users: { 'user-hot': 40 },
        exceeded_daily_quota_users: { 'user-spam': 500200 },
        throttled_events: [1, 2],
      }),
    });
    await withClient({}, async (c) => {
      const results = await send(c, [event('a'), event('b', { user_id: 'user-hot' }), event('c', { user_id: 'user-spam' })]);
      expect(results.map((r) => [errorOf(r)?.kind, errorOf(r)?.retryAfterMs])).toEqual([
        ['retryable', undefined],
        ['retryable', 30_000],
        ['retryable', 3_600_000],
      ]);
    });
  });

  it.each([
    [400, { code: 400, error: 'Invalid API key: ' + API_KEY }, 'auth'],
    [400, { code: 400, error: 'Request missing required field', missing_field: 'api_key' }, 'payload'],
    [403, { code: 403, error: 'Forbidden' }, 'auth'],
    [413, { code: 413, error: 'Payload too large' }, 'payload'],
    [500, { code: 500 }, 'retryable'],
    [502, { code: 502 }, 'retryable'],
    [503, { code: 503 }, 'retryable'],
    [504, { code: 504 }, 'retryable'],
  ])('classifies %i %j as %s, never leaking the key', async (status, body, kind) => {
    api.answer = () => ({ status, body: JSON.stringify(body) });
    await withClient({}, async (c) => {
      const results = await send(c, [event('a'), event('b')]);
      expect(results.map((r) => errorOf(r)?.kind)).toEqual([kind, kind]);
      expect(errorOf(results[0])!.message).not.toContain(API_KEY);
      expect(errorOf(results[0])!.bodyExcerpt).not.toContain(API_KEY);
    });
  });
});
