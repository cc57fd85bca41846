import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { bodyOf, errorOf, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { tiktok, type TikTokSettings } from './index.ts';

/**
 * TikTok's Events API 2.0 as documented: POST /open_api/v1.3/event/track/ with the
 * Access-Token header and JSON {"event_source", "event_source_id", "data": [...]}, up to
 * 1,000 events. Every answer is HTTP 200 with {"code", "message", "request_id"}: code 0
 * accepted; 40100 rate limited; 401xx token problems; 40002 parameter errors; 5xxxx
 * TikTok's own failures.
 */
type Body = { event_source: string; event_source_id: string; test_event_code?: string; data: Array<{ event: string; event_id: string }> };

const api = useFakeApi();

const TOKEN = 'tt-access-token-77';
const reply = (code: number, message: string) => ({ status: 200, body: JSON.stringify({ code, message, request_id: '202405011000', data: {} }) });
const event = (id: string, name = 'CompletePayment'): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', event: name, messageId: id, timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z' },
  payload: { event: name, event_time: 1_714_557_600, event_id: id, user: { external_id: 'h' } },
});

function withClient(fn: (c: DestinationClient) => Promise<void>, settings: Partial<TikTokSettings> = {}) {
  return withDestination(tiktok, { name: 'tt', settings: { eventSourceId: 'CPIXEL42', baseUrl: api.base, ...settings }, credentials: { accessToken: TOKEN }, timeoutMs: 2000 }, fn);
}

describe('tiktok against a local Events API', () => {
  it('posts the documented request: track path, Access-Token header, source and data envelope', async () => {
    api.answer = () => reply(0, 'OK');
    await withClient(
      async (c) => {
        expect(await send(c, [event('a'), event('b', 'ViewContent')])).toEqual([{ ok: true }, { ok: true }]);
      },
      { testEventCode: 'TEST55', eventSource: 'web' },
    );
    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/open_api/v1.3/event/track/');
    expect([...req!.query.keys()]).toEqual([]);
    expect(req!.headers['access-token']).toBe(TOKEN);
    expect(req!.headers['content-type']).toBe('application/json');
    const body = bodyOf<Body>(req!);
    expect(body).toMatchObject({ event_source: 'web', event_source_id: 'CPIXEL42', test_event_code: 'TEST55' });
    expect(body.data.map((d) => [d.event, d.event_id])).toEqual([['CompletePayment', 'a'], ['ViewContent', 'b']]);
  });

  it('sends 2,500 events as requests of at most 1,000', async () => {
    expect(tiktok.maxBatchSize).toBe(1000);
    api.answer = () => reply(0, 'OK');
    await withClient(async (c) => {
      const results = await send(c, Array.from({ length: 2500 }, (_, i) => event(`e${i}`)));
      expect(results.every((r) => r.ok)).toBe(true);
    });
    expect(api.seen.map((r) => bodyOf<Body>(r).data.length).sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
  });

  it('isolates the event TikTok refuses with a parameter error; the others are delivered', async () => {
    const accepted = new Set<string>();
    api.answer = (req) => {
      const data = bodyOf<Body>(req).data;
      if (data.some((d) => d.event === 'Not An Event')) return reply(40002, 'Invalid value for event');
      for (const d of data) accepted.add(d.event_id);
      return reply(0, 'OK');
    };
    const batch = Array.from({ length: 16 }, (_, i) => event(`e${i}`, i === 5 ? 'Not An Event' : 'CompletePayment'));
    await withClient(async (c) => {
      const results = await send(c, batch);
      expect(results.flatMap((r, i) => (r.ok ? [] : [i]))).toEqual([5]);
      expect(errorOf(results[5])).toMatchObject({ kind: 'payload', code: '40002' });
      expect(errorOf(results[5])!.status).toBeUndefined();
      expect(errorOf(results[5])!.message).toContain('Invalid value for event (code 40002)');
    });
    expect(accepted.size).toBe(15);
    expect(accepted.has('e5')).toBe(false);
  });

  it('never sends an event without an event name', async () => {
    api.answer = () => reply(0, 'OK');
    const nameless: OutboundEvent = { ...event('n'), payload: { event_time: 1_714_557_600 } };
    await withClient(async (c) => {
      const results = await send(c, [event('a'), nameless]);
      expect(results[0]).toEqual({ ok: true });
      expect(errorOf(results[1])).toMatchObject({ kind: 'payload', code: 'invalid_event' });
    });
    expect(api.seen.flatMap((r) => bodyOf<Body>(r).data.map((d) => d.event_id))).toEqual(['a']);
  });

  it.each([
    ['too many requests', 40100, 'retryable'],
    ['access token invalid', 40105, 'auth'],
    ['no permission', 40001, 'auth'],
    ['system error', 50000, 'retryable'],
  ])('classifies %s (code %i in a 200) as %s, without retrying it here', async (message, code, kind) => {
    api.answer = () => reply(code, `${message} for ${TOKEN}`);
    await withClient(async (c) => {
      const results = await send(c, [event('a'), event('b')]);
      for (const r of results) {
        expect(errorOf(r)).toMatchObject({ kind, code: String(code) });
        expect(errorOf(r)!.message).not.toContain(TOKEN);
        expect(errorOf(r)!.bodyExcerpt).not.toContain(TOKEN);
      }
    });
    expect(api.seen).toHaveLength(1);
  });

  it('honours a gateway 429 with Retry-After', async () => {
    api.answer = () => ({ status: 429, headers: { 'retry-after': '4' }, body: '' });
    await withClient(async (c) => {
      const [r] = await send(c, [event('a')]);
      expect(errorOf(r)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 4000 });
    });
  });
});
