import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileMapping } from '../../../mapping/mapping.ts';
import type { SegmentEvent } from '../../../event.ts';
import type { OutboundEvent } from '../../types.ts';
import { META_DEFAULT_MAPPING, metaCapi, resolveMetaTarget } from './index.ts';
import { appSecretProof, checkServerEvent, eventsUrl, metaRequest, rejectLocally, MAX_EVENT_AGE_S } from './request.ts';

const NOW_S = 1_714_557_600; // 2024-05-01T10:00:00Z
const good = (over: Record<string, unknown> = {}) => ({ event_name: 'Purchase', event_time: NOW_S - 60, action_source: 'website', user_data: { em: 'h' }, ...over });
const out = (id: string, payload: unknown): OutboundEvent => ({ messageId: id, event: { type: 'track', messageId: id, timestamp: 't', receivedAt: 't' }, payload });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('checkServerEvent', () => {
  it.each([
    ['a complete event', good(), undefined],
    ['a payload that is not an object', 'x', 'the mapped payload is not an object'],
    ['no event_name', good({ event_name: undefined }), 'the mapped payload has no event_name'],
    ['several fields missing', { user_data: {} }, 'the mapped payload has no event_name, event_time, action_source'],
    ['an empty event_name', good({ event_name: '' }), 'the mapped payload has no event_name'],
    ['event_time as text', good({ event_time: '2024-05-01' }), 'event_time is not a whole number of seconds (use unixSeconds(timestamp))'],
    ['event_time in milliseconds', good({ event_time: NOW_S * 1000 }), 'event_time looks like milliseconds; Meta expects seconds (use unixSeconds(timestamp))'],
    ['event_time 8 days old', good({ event_time: NOW_S - 8 * 86400 }), 'event_time is 8 days old; Meta accepts events up to 7 days old'],
    ['event_time exactly 7 days old', good({ event_time: NOW_S - MAX_EVENT_AGE_S }), undefined],
    ['user_data not an object', good({ user_data: 'x' }), 'user_data is not an object'],
    ['action_source not text', good({ action_source: 1 }), 'action_source is not text'],
  ])('%s', (_, payload, expected) => {
    expect(checkServerEvent(payload, NOW_S)).toBe(expected);
  });

  it('marks only the refused events, as invalid payloads', () => {
    const rejected = rejectLocally([out('a', good()), out('b', good({ event_time: 1 })), out('c', good())], NOW_S * 1000);
    expect([...rejected.keys()]).toEqual([1]);
    expect(rejected.get(1)).toMatchObject({ kind: 'payload', code: 'invalid_event' });
    expect(rejected.get(1)!.message).toMatch(/^preparing the Conversions API event: event_time is \d+ days old/);
  });
});

describe('metaRequest', () => {
  it('posts {"data": [...]} to the pixel edge with the token in the query', () => {
    const target = { eventsUrl: eventsUrl('https://graph.facebook.com/', 'v24.0', '123'), accessToken: 'EAAB tok', testEventCode: 'TEST1' };
    const spec = metaRequest(target, [out('a', good()), out('b', good({ event_name: 'Lead' }))]);
    expect(spec.method).toBe('POST');
    expect(spec.url).toBe('https://graph.facebook.com/v24.0/123/events?access_token=EAAB+tok');
    expect(spec.headers['content-type']).toBe('application/json');
    expect(spec.messageIds).toEqual(['a', 'b']);
    const body = JSON.parse(spec.body) as { data: Array<{ event_name: string }>; test_event_code: string };
    expect(body.data.map((d) => d.event_name)).toEqual(['Purchase', 'Lead']);
    expect(body.test_event_code).toBe('TEST1');
  });

  it('adds appsecret_proof, the HMAC-SHA256 of the token keyed by the app secret', () => {
    const t = resolveMetaTarget({ pixelId: '9' }, { accessToken: 'tok', appSecret: 'shh' });
    expect(t.appSecretProof).toBe(createHmac('sha256', 'shh').update('tok').digest('hex'));
    expect(appSecretProof('tok', 'shh')).toBe(t.appSecretProof);
    expect(new URL(metaRequest(t, [out('a', good())]).url).searchParams.get('appsecret_proof')).toBe(t.appSecretProof);
    expect(t.eventsUrl).toBe('https://graph.facebook.com/v24.0/9/events');
  });

  it('refuses to start without a token', () => {
    expect(() => resolveMetaTarget({ pixelId: '9' }, {})).toThrow('meta-capi credentials: the Secret has no accessToken key');
  });

  it('previews requests with the token masked, split at 1,000 events', async () => {
    const client = metaCapi.create({ name: 'm', settings: { pixelId: '1' }, credentials: { accessToken: 'tok/with+chars' }, timeoutMs: 1000 });
    const now = Math.floor(Date.now() / 1000);
    const batch = Array.from({ length: 1001 }, (_, i) => out(`e${i}`, good({ event_time: now })));
    const reqs = client.preview!(batch);
    await client.close?.();
    expect(reqs.map((r) => r.messageIds.length)).toEqual([1000, 1]);
    expect(reqs[0]!.url).toBe('https://graph.facebook.com/v24.0/1/events?access_token=***');
    const text = JSON.stringify(reqs);
    expect(['tok/with+chars', 'tok%2Fwith%2Bchars'].filter((t) => text.includes(t))).toEqual([]);
  });
});

describe('META_DEFAULT_MAPPING', () => {
  const event: SegmentEvent = {
    type: 'track',
    event: 'Order Completed',
    messageId: 'm-1',
    userId: 'u-1',
    timestamp: '2024-05-01T10:00:00.000Z',
    receivedAt: '2024-05-01T10:00:01.000Z',
    properties: { revenue: 42.5, currency: 'EUR', order_id: 'o-9' },
    context: { ip: '203.0.113.9', userAgent: 'UA/1', page: { url: 'https://shop.example.com/done' }, traits: { email: ' Ada@Example.COM ', phone: '(415) 555-2671' } },
  };

  it('maps a track event to a complete server event with hashed identifiers', () => {
    const { payload } = compileMapping(META_DEFAULT_MAPPING)(event);
    expect(payload).toEqual({
      event_name: 'Order Completed',
      event_time: 1_714_557_600,
      event_id: 'm-1',
      action_source: 'website',
      event_source_url: 'https://shop.example.com/done',
      user_data: {
        em: sha('ada@example.com'),
        ph: sha('14155552671'),
        external_id: sha('u-1'),
        client_ip_address: '203.0.113.9',
        client_user_agent: 'UA/1',
      },
      custom_data: { value: 42.5, currency: 'EUR', order_id: 'o-9' },
    });
    expect(checkServerEvent(payload, 1_714_557_600)).toBeUndefined();
  });

  it('names page views PageView', () => {
    const { payload } = compileMapping(META_DEFAULT_MAPPING)({ ...event, type: 'page', event: undefined, name: 'Home' });
    expect(payload['event_name']).toBe('PageView');
  });
});
