import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../../event.ts';
import { compileMapping } from '../../../mapping/mapping.ts';
import type { OutboundEvent } from '../../types.ts';
import { TIKTOK_DEFAULT_MAPPING, resolveTikTokTarget, tiktok } from './index.ts';
import { checkTikTokEvent, rejectLocally, tiktokRequest } from './request.ts';

const out = (id: string, payload: unknown): OutboundEvent => ({ messageId: id, event: { type: 'track', messageId: id, timestamp: 't', receivedAt: 't' }, payload });
const good = (over: Record<string, unknown> = {}) => ({ event: 'CompletePayment', event_time: 1_714_557_600, event_id: 'x', ...over });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('checkTikTokEvent', () => {
  it.each([
    ['a complete event', good(), undefined],
    ['not an object', [1], 'the mapped payload is not an object'],
    ['no event name', good({ event: undefined }), 'the mapped payload has no event name (event)'],
    ['an empty event name', good({ event: '' }), 'the mapped payload has no event name (event)'],
    ['no event_time', good({ event_time: undefined }), 'the mapped payload has no event_time'],
    ['event_time as ISO text', good({ event_time: '2024-05-01T10:00:00Z' }), 'event_time is not a whole number of seconds (use unixSeconds(timestamp))'],
    ['event_time in milliseconds', good({ event_time: 1_714_557_600_000 }), 'event_time looks like milliseconds; TikTok expects seconds (use unixSeconds(timestamp))'],
  ])('%s', (_, payload, expected) => {
    expect(checkTikTokEvent(payload)).toBe(expected);
  });

  it('rejects only the incomplete events, as invalid payloads', () => {
    const rejected = rejectLocally([out('a', good()), out('b', {}), out('c', good())]);
    expect([...rejected.keys()]).toEqual([1]);
    expect(rejected.get(1)).toMatchObject({ kind: 'payload', code: 'invalid_event', message: 'preparing the TikTok event: the mapped payload has no event name (event)' });
  });
});

describe('tiktokRequest', () => {
  it('posts the events in data with the source and the Access-Token header', () => {
    const target = resolveTikTokTarget({ eventSourceId: 'CPIX123', testEventCode: 'TEST9', baseUrl: 'https://proxy.example.com/' }, { accessToken: 'tt-token' });
    const spec = tiktokRequest(target, [out('a', good()), out('b', good({ event: 'ViewContent' }))]);
    expect(spec).toMatchObject({ method: 'POST', url: 'https://proxy.example.com/open_api/v1.3/event/track/', messageIds: ['a', 'b'] });
    expect(spec.headers).toMatchObject({ 'content-type': 'application/json', 'access-token': 'tt-token' });
    expect(JSON.parse(spec.body)).toEqual({
      event_source: 'web',
      event_source_id: 'CPIX123',
      test_event_code: 'TEST9',
      data: [good(), good({ event: 'ViewContent' })],
    });
  });

  it('refuses to start without a token', () => {
    expect(() => resolveTikTokTarget({ eventSourceId: 'C1' }, {})).toThrow('tiktok credentials: the Secret has no accessToken key');
  });

  it('previews with the token masked, split at 1,000 events', async () => {
    const client = tiktok.create({ name: 't', settings: { eventSourceId: 'C1', eventSource: 'app' }, credentials: { accessToken: 'tt-secret-42' }, timeoutMs: 1000 });
    const reqs = client.preview!(Array.from({ length: 1500 }, (_, i) => out(`e${i}`, good())));
    await client.close?.();
    expect(reqs.map((r) => r.messageIds.length)).toEqual([1000, 500]);
    expect(reqs[0]!.headers['access-token']).toBe('***');
    expect(reqs.some((r) => JSON.stringify(r).includes('tt-secret-42'))).toBe(false);
    expect((JSON.parse(reqs[1]!.body) as { event_source: string }).event_source).toBe('app');
  });
});

describe('TIKTOK_DEFAULT_MAPPING', () => {
  const event: SegmentEvent = {
    type: 'track',
    event: 'Order Completed',
    messageId: 'm-1',
    anonymousId: 'anon-7',
    timestamp: '2024-05-01T10:00:00.000Z',
    receivedAt: '2024-05-01T10:00:01.000Z',
    properties: { total: 19.99, currency: 'USD', order_id: 'o-1' },
    context: { ip: '198.51.100.4', userAgent: 'UA', locale: 'en-US', page: { url: 'https://s.example.com/x', referrer: 'https://t.example.com' }, traits: { email: 'Bo@Example.com', phone: '+44 20 7946 0958' } },
  };

  it('maps a track event with hashed identifiers', () => {
    expect(compileMapping(TIKTOK_DEFAULT_MAPPING)(event).payload).toEqual({
      event: 'Order Completed',
      event_time: 1_714_557_600,
      event_id: 'm-1',
      user: { email: sha('bo@example.com'), phone: sha('+442079460958'), external_id: sha('anon-7'), ip: '198.51.100.4', user_agent: 'UA', locale: 'en-US' },
      page: { url: 'https://s.example.com/x', referrer: 'https://t.example.com' },
      properties: { value: 19.99, currency: 'USD', order_id: 'o-1' },
    });
  });

  it('sends page views as ViewContent', () => {
    expect(compileMapping(TIKTOK_DEFAULT_MAPPING)({ ...event, type: 'page', event: undefined }).payload['event']).toBe('ViewContent');
  });
});
