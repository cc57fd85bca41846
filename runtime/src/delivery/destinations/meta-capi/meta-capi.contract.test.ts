import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { bodyOf, errorOf, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { metaCapi, type MetaCapiSettings } from './index.ts';

/**
 * Meta's Conversions API as documented: POST /<version>/<pixel>/events?access_token=…,
 * JSON {"data": [server events]}, up to 1,000 events; 200 {"events_received": n}; errors as
 * Graph error objects, throttling as codes 4/17/80004 on a 400, one invalid event failing
 * the whole request.
 */
type Body = { data: Array<{ event_name: string; event_id: string; event_time: number }>; test_event_code?: string };

const api = useFakeApi();

const TOKEN = 'EAAGtok3n-secret';
const graphError = (code: number, extra: Record<string, unknown> = {}) => JSON.stringify({ error: { message: `error ${code}`, type: 'OAuthException', code, fbtrace_id: 'Az1', ...extra } });

const now = () => Math.floor(Date.now() / 1000);
const event = (id: string, name = 'Purchase', time = now()): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', event: name, messageId: id, timestamp: new Date(time * 1000).toISOString(), receivedAt: new Date().toISOString() },
  payload: { event_name: name, event_time: time, event_id: id, action_source: 'website', user_data: { em: 'a'.repeat(64) } },
});

function withClient(fn: (c: DestinationClient) => Promise<void>, settings: Partial<MetaCapiSettings> = {}, credentials: Record<string, string> = { accessToken: TOKEN }) {
  return withDestination(metaCapi, { name: 'meta', settings: { pixelId: '1234567890', baseUrl: api.base, ...settings }, credentials, timeoutMs: 2000 }, fn);
}
const accept = (n: number) => ({ status: 200, body: JSON.stringify({ events_received: n, messages: [], fbtrace_id: 'Az1' }) });

describe('meta-capi against a local Conversions API', () => {
  it('posts the documented request: pixel edge, token and proof in the query, JSON data envelope', async () => {
    api.answer = (req) => accept(bodyOf<Body>(req).data.length);
    await withClient(
      async (c) => {
        expect(await send(c, [event('a'), event('b', 'Lead')])).toEqual([{ ok: true }, { ok: true }]);
      },
      { testEventCode: 'TEST123', apiVersion: 'v23.0' },
      { accessToken: TOKEN, appSecret: 'app-secret-1' },
    );
    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.path).toBe('/v23.0/1234567890/events');
    expect(req!.query.get('access_token')).toBe(TOKEN);
    expect(req!.query.get('appsecret_proof')).toBe(createHmac('sha256', 'app-secret-1').update(TOKEN).digest('hex'));
    expect(req!.headers['content-type']).toBe('application/json');
    expect(Number(req!.headers['content-length'])).toBe(req!.raw.length);
    const body = bodyOf<Body>(req!);
    expect(body.test_event_code).toBe('TEST123');
    expect(body.data.map((d) => [d.event_name, d.event_id])).toEqual([['Purchase', 'a'], ['Lead', 'b']]);
  });

  it('caps batches at 1,000 events and splits anything larger into requests of at most 1,000', async () => {
    expect(metaCapi.maxBatchSize).toBe(1000);
    api.answer = (req) => accept(bodyOf<Body>(req).data.length);
    const batch = Array.from({ length: 2500 }, (_, i) => event(`e${i}`));
    await withClient(async (c) => {
      const results = await send(c, batch);
      expect(results.every((r) => r.ok)).toBe(true);
    });
    expect(api.seen.map((r) => bodyOf<Body>(r).data.length).sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    const sent = api.seen.flatMap((r) => bodyOf<Body>(r).data.map((d) => d.event_id));
    expect(new Set(sent).size).toBe(2500);
  });

  it('isolates the one event Meta rejects: the rest are delivered, only it is dead-lettered', async () => {
    const accepted = new Set<string>();
    api.answer = (req) => {
      const data = bodyOf<Body>(req).data;
      // Meta rejects the whole request when one event is invalid.
      if (data.some((d) => d.event_name === 'Bad')) return { status: 400, body: graphError(100, { error_subcode: 2804003, error_user_msg: 'Invalid custom_data' }) };
      for (const d of data) accepted.add(d.event_id);
      return accept(data.length);
    };
    const batch = Array.from({ length: 20 }, (_, i) => event(`e${i}`, i === 13 ? 'Bad' : 'Purchase'));
    await withClient(async (c) => {
      const results = await send(c, batch);
      expect(results.map((r, i) => (r.ok ? null : i)).filter((i) => i !== null)).toEqual([13]);
      expect(errorOf(results[13])).toMatchObject({ kind: 'payload', status: 400, code: 'graph_100' });
      expect(errorOf(results[13])!.message).toContain('Invalid custom_data (code 100, subcode 2804003)');
    });
    expect([...accepted].sort()).toEqual(batch.map((e) => e.messageId).filter((id) => id !== 'e13').sort());
    // Halving 20 down to one event: far fewer requests than one per event.
    expect(api.seen.length).toBeLessThanOrEqual(11);
  });

  it('never sends an event older than 7 days (it would fail its whole request)', async () => {
    api.answer = (req) => accept(bodyOf<Body>(req).data.length);
    await withClient(async (c) => {
      const results = await send(c, [event('fresh'), event('stale', 'Purchase', now() - 8 * 86400)]);
      expect(results[0]).toEqual({ ok: true });
      expect(errorOf(results[1])).toMatchObject({ kind: 'payload', code: 'invalid_event' });
    });
    expect(api.seen.flatMap((r) => bodyOf<Body>(r).data.map((d) => d.event_id))).toEqual(['fresh']);
  });

  it.each([
    ['invalid parameter', 400, 'payload', graphError(100)],
    ['unknown pixel', 400, 'permanent', graphError(100, { error_subcode: 33 })],
    ['expired token', 400, 'auth', graphError(190, { error_subcode: 463 })],
    ['missing permission', 403, 'auth', graphError(200)],
    ['application request limit', 400, 'retryable', graphError(4)],
    ['temporary service error', 500, 'retryable', graphError(2, { is_transient: true })],
    ['gateway failure', 502, 'retryable', '<html>bad gateway</html>'],
  ])('classifies %s (%i) as %s, messages free of the token', async (_, status, kind, body) => {
    // The answer echoes the token, as some gateways do: it must not reach messages or status.
    api.answer = () => ({ status, body: body.replace('"message":"', `"message":"token ${TOKEN}: `).replace('bad gateway', `bad gateway ${TOKEN}`) });
    await withClient(async (c) => {
      const results = await send(c, [event('a'), event('b')]);
      for (const r of results) {
        const err = errorOf(r);
        expect(err).toMatchObject({ kind, status });
        expect(err!.message).not.toContain(TOKEN);
        expect(err!.bodyExcerpt ?? '').not.toContain(TOKEN);
        expect(err!.message).not.toContain('access_token');
      }
    });
    // A payload rejection of two events is tried once more per event; the others are not retried here.
    expect(api.seen).toHaveLength(kind === 'payload' ? 3 : 1);
  });

  it('waits as long as the business use case header says when throttled', async () => {
    const usage = JSON.stringify({ '987': [{ type: 'ads_management', call_count: 100, total_cputime: 10, total_time: 10, estimated_time_to_regain_access: 2 }] });
    api.answer = () => ({ status: 400, body: graphError(80004), headers: { 'x-business-use-case-usage': usage } });
    await withClient(async (c) => {
      const [r] = await send(c, [event('a')]);
      expect(errorOf(r)).toMatchObject({ kind: 'retryable', status: 400, retryAfterMs: 120_000 });
    });
  });

  it('honours Retry-After on a 429', async () => {
    api.answer = () => ({ status: 429, headers: { 'retry-after': '9' } });
    await withClient(async (c) => {
      const [r] = await send(c, [event('a')]);
      expect(errorOf(r)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 9000 });
    });
  });
});
