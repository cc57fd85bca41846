import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../../event.ts';
import { compileMapping } from '../../../mapping/mapping.ts';
import type { OutboundEvent } from '../../types.ts';
import { GA4_DEFAULT_MAPPING, ga4, resolveGa4Target } from './index.ts';
import { MAX_REQUEST_BYTES, buildGa4Requests, checkEvent, type Ga4Target } from './request.ts';

const T0 = '2024-05-01T10:00:00.000Z';
const NOW = Date.parse(T0) + 60_000;
const ev = (extra: Record<string, unknown> = {}) => ({ client_id: 'cid-1', name: 'purchase', params: { value: 5 }, timestamp_micros: Date.parse(T0) * 1000, ...extra });
const out = (id: string, payload: unknown = ev()): OutboundEvent => ({ messageId: id, event: { type: 'track', messageId: id, timestamp: T0, receivedAt: T0 }, payload });
const web: Ga4Target = { url: 'https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cret-1', stream: 'web' };
const bodyOf = (body: string) => JSON.parse(body) as { client_id?: string; user_id?: string; events: Array<{ name: string }> };

describe('buildGa4Requests', () => {
  it('posts the user fields once and the events as a list', () => {
    const plan = buildGa4Requests([out('a', ev({ user_id: 'u-1' })), out('b', ev({ user_id: 'u-1', name: 'login', params: undefined }))], web, NOW);
    expect(plan.refused).toEqual([]);
    const [req] = plan.requests;
    expect(req!.spec).toMatchObject({ method: 'POST', url: web.url, messageIds: ['a', 'b'] });
    expect(req!.spec.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.spec.body)).toEqual({
      client_id: 'cid-1',
      user_id: 'u-1',
      events: [
        { name: 'purchase', params: { value: 5 }, timestamp_micros: Date.parse(T0) * 1000 },
        { name: 'login', timestamp_micros: Date.parse(T0) * 1000 },
      ],
    });
  });

  it('sends events of different users (or consent) in separate requests, in order', () => {
    const plan = buildGa4Requests(
      [out('a'), out('b', ev({ client_id: 'cid-2' })), out('c'), out('d', ev({ consent: { ad_user_data: 'DENIED' } }))],
      web,
      NOW,
    );
    expect(plan.requests.map((r) => r.positions)).toEqual([[0, 2], [1], [3]]);
    expect(plan.requests.map((r) => bodyOf(r.spec.body).client_id)).toEqual(['cid-1', 'cid-2', 'cid-1']);
  });

  it('splits 1,000 events of one user into requests of 25', () => {
    const plan = buildGa4Requests(Array.from({ length: 1000 }, (_, i) => out(`e${i}`)), web, NOW);
    expect(plan.requests).toHaveLength(40);
    expect(plan.requests.every((r) => r.positions.length === 25)).toBe(true);
  });

  it('keeps every request under 130 kB and refuses an event that cannot fit', () => {
    const big = (id: string, n: number) => out(id, ev({ params: { blob: 'x'.repeat(n) } }));
    const plan = buildGa4Requests([big('a', 60_000), big('b', 60_000), big('c', 60_000), big('huge', 130_000)], web, NOW);
    expect(plan.requests.map((r) => r.positions)).toEqual([[0, 1], [2]]);
    for (const r of plan.requests) expect(Buffer.byteLength(r.spec.body)).toBeLessThan(MAX_REQUEST_BYTES);
    expect(plan.refused.map((r) => [r.position, r.error.code])).toEqual([[3, 'too_large']]);
  });
});

describe('checkEvent', () => {
  const old = (Date.parse(T0) - 73 * 3_600_000) * 1000;
  it.each([
    [ev(), 'web', undefined],
    [{ app_instance_id: 'app-1', name: 'level_up' }, 'app', undefined],
    [ev({ client_id: undefined }), 'web', 'a web stream needs "client_id"'],
    [ev(), 'app', 'an app stream needs "app_instance_id"'],
    [ev({ name: undefined }), 'web', 'the event has no "name"'],
    [ev({ name: 'Order Completed' }), 'web', 'event name "Order Completed": at most 40 letters, digits and underscores, starting with a letter'],
    [ev({ name: '1st_purchase' }), 'web', 'event name "1st_purchase": at most 40 letters, digits and underscores, starting with a letter'],
    [ev({ name: 'a'.repeat(41) }), 'web', `event name "${'a'.repeat(41)}": at most 40 letters, digits and underscores, starting with a letter`],
    [ev({ name: 'session_start' }), 'web', 'event name "session_start" is reserved by Google Analytics'],
    [ev({ name: 'google_thing' }), 'web', 'event name "google_thing" is reserved by Google Analytics'],
    [ev({ params: [1] }), 'web', '"params" must be an object'],
    [ev({ timestamp_micros: 1.5 }), 'web', 'timestamp_micros must be an integer number of microseconds'],
    [ev({ timestamp_micros: old }), 'web', 'the event is 73 hours old; GA4 takes events at most 72 hours old'],
    [ev({ event_name: 'x' }), 'web', expect.stringMatching(/^unknown field "event_name"; GA4 takes client_id, /) as string],
  ] as const)('%j on a %s stream → %s', (payload, stream, expected) => {
    expect(checkEvent(payload, stream, NOW)).toEqual(expected);
  });
});

describe('ga4 settings', () => {
  it.each([
    [{ measurementId: 'G-ABC123' }, 'https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cret-1', 'web'],
    [{ measurementId: 'G-ABC123', region: 'eu' as const }, 'https://region1.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=s3cret-1', 'web'],
    [{ firebaseAppId: '1:123:android:abc' }, 'https://www.google-analytics.com/mp/collect?firebase_app_id=1%3A123%3Aandroid%3Aabc&api_secret=s3cret-1', 'app'],
    [{ measurementId: 'G-ABC123', endpoint: 'http://127.0.0.1:9/' }, 'http://127.0.0.1:9/mp/collect?measurement_id=G-ABC123&api_secret=s3cret-1', 'web'],
  ])('%j → %s', (settings, url, stream) => {
    expect(resolveGa4Target(settings, { apiSecret: 's3cret-1' })).toEqual({ url, stream });
  });

  it('names everything that is missing', () => {
    expect(() => resolveGa4Target({}, {})).toThrow(
      'ga4 settings: the credentials Secret needs an "apiSecret" key holding a Measurement Protocol API secret; set exactly one of measurementId (web stream) and firebaseAppId (app stream)',
    );
  });

  it('previews requests with the API secret masked, even percent-encoded', async () => {
    const client = ga4.create({ name: 'ga', settings: { measurementId: 'G-ABC123' }, credentials: { apiSecret: 'sec/ret+1' }, timeoutMs: 1000 });
    const [req] = client.preview!([out('a', ev({ timestamp_micros: Date.now() * 1000 }))]);
    expect(req!.url).toBe('https://www.google-analytics.com/mp/collect?measurement_id=G-ABC123&api_secret=***');
    await client.close?.();
  });
});

describe('ga4 default mapping', () => {
  const map = (e: SegmentEvent) => compileMapping(GA4_DEFAULT_MAPPING)(e).payload;
  const base = { messageId: 'm-1', timestamp: T0, receivedAt: T0, anonymousId: 'anon-1' };

  it.each([
    ['Order Completed', 'purchase'],
    ['Checkout Started', 'begin_checkout'],
    ['Signed Up', 'sign_up'],
    [' Video Played ', 'video_played'],
  ])('names the track event %j %s', (event, name) => {
    expect(map({ ...base, type: 'track', event }).name).toBe(name);
  });

  it('maps a track event onto a Measurement Protocol event GA4 keeps', () => {
    const mapped = map({ ...base, type: 'track', event: 'Order Completed', userId: 'user-1', properties: { revenue: 5 }, context: { ip: '203.0.113.9', page: { url: 'https://shop.example.com/done' } } });
    expect(mapped).toEqual({
      client_id: 'anon-1',
      user_id: 'user-1',
      name: 'purchase',
      params: { revenue: 5, page_location: 'https://shop.example.com/done' },
      timestamp_micros: Date.parse(T0) * 1000,
      ip_override: '203.0.113.9',
    });
    expect(checkEvent(mapped, 'web', NOW)).toBeUndefined();
  });

  it('maps page and screen calls to page_view and screen_view, and identify, group and alias calls to nothing', () => {
    expect(map({ ...base, type: 'page', properties: { url: 'https://shop.example.com/', title: 'Shop' } })).toMatchObject({
      name: 'page_view',
      params: { url: 'https://shop.example.com/', title: 'Shop', page_location: 'https://shop.example.com/', page_title: 'Shop' },
    });
    expect(map({ ...base, type: 'screen' }).name).toBe('screen_view');
    for (const type of ['identify', 'group', 'alias'] as const) expect(map({ ...base, type, userId: 'user-1' })).toEqual({});
  });
});
