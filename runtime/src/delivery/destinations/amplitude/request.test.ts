import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../../event.ts';
import type { OutboundEvent } from '../../types.ts';
import { compileMapping } from '../../../mapping/mapping.ts';
import { AMPLITUDE_DEFAULT_MAPPING, amplitude, resolveAmplitudeTarget } from './index.ts';
import { LIMITS, buildAmplitudeRequests, checkEvent, type AmplitudeTarget } from './request.ts';

const T0 = '2024-05-01T10:00:00.000Z';
const payload = (extra: Record<string, unknown> = {}) => ({ event_type: 'Order Completed', user_id: 'user-1', time: 1714557600000, ...extra });
const out = (id: string, p: unknown = payload({ insert_id: id })): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', messageId: id, timestamp: T0, receivedAt: T0 },
  payload: p,
});
const target = (over: Partial<AmplitudeTarget> = {}): AmplitudeTarget => ({ api: 'http', url: 'https://api2.amplitude.com/2/httpapi', apiKey: 'amp-key-123', ...over });

describe('buildAmplitudeRequests', () => {
  it('posts {"api_key", "events"} as JSON', () => {
    const plan = buildAmplitudeRequests([out('a'), out('b')], target());
    expect(plan.refused).toEqual([]);
    const [req] = plan.requests;
    expect(req!.positions).toEqual([0, 1]);
    expect(req!.spec).toMatchObject({ method: 'POST', url: 'https://api2.amplitude.com/2/httpapi', messageIds: ['a', 'b'] });
    expect(req!.spec.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.spec.body)).toEqual({ api_key: 'amp-key-123', events: [payload({ insert_id: 'a' }), payload({ insert_id: 'b' })] });
    expect(req!.ids).toEqual([
      { userId: 'user-1', deviceId: undefined },
      { userId: 'user-1', deviceId: undefined },
    ]);
  });

  it('adds options.min_id_length when set, and the messageId as insert_id when the mapping gave none', () => {
    const [req] = buildAmplitudeRequests([out('m-1', payload())], target({ minIdLength: 3 })).requests;
    expect(JSON.parse(req!.spec.body)).toEqual({ api_key: 'amp-key-123', events: [payload({ insert_id: 'm-1' })], options: { min_id_length: 3 } });
  });

  it('refuses events Amplitude would reject, with the reason', () => {
    const plan = buildAmplitudeRequests([out('a'), out('b', { user_id: 'u-12345' }), out('c', { event_type: 'E' }), out('d', payload({ time: '2024-05-01' }))], target());
    expect(plan.requests.map((r) => r.positions)).toEqual([[0]]);
    expect(plan.refused.map((r) => [r.position, r.error.message])).toEqual([
      [1, 'building the request: the event has no event_type'],
      [2, 'building the request: the event has neither user_id nor device_id'],
      [3, 'building the request: "time" must be milliseconds since the epoch (an integer)'],
    ]);
  });

  it.each([
    ['http' as const, 2500, [2000, 500]],
    ['batch' as const, 4001, [2000, 2000, 1]],
  ])('splits by the %s API\'s 2,000 events per request (%i events)', (api, n, sizes) => {
    const batch = Array.from({ length: n }, (_, i) => out(`e${i}`));
    const plan = buildAmplitudeRequests(batch, target({ api }));
    expect(plan.requests.map((r) => r.positions.length)).toEqual(sizes);
    expect(plan.requests.flatMap((r) => r.positions)).toEqual(batch.map((_, i) => i));
  });

  it('splits by the HTTP V2 API\'s 1 MB per request and refuses an event larger than that alone', () => {
    const big = (id: string, n: number) => out(id, payload({ insert_id: id, event_properties: { blob: 'x'.repeat(n) } }));
    const plan = buildAmplitudeRequests([big('a', 400_000), big('b', 400_000), big('c', 400_000), big('huge', 1_000_000)], target());
    expect(plan.requests.map((r) => r.positions)).toEqual([[0, 1], [2]]);
    for (const r of plan.requests) expect(Buffer.byteLength(r.spec.body)).toBeLessThanOrEqual(LIMITS.http.maxBytes);
    expect(plan.refused.map((r) => [r.position, r.error.code])).toEqual([[3, 'too_large']]);
  });
});

describe('checkEvent', () => {
  it.each([
    [payload(), undefined],
    [{ event_type: 'E', device_id: 'dev-1' }, undefined],
    [{ event_type: '', user_id: 'u' }, 'the event has no event_type'],
    ['x', 'the mapped payload is not an object'],
  ])('%j → %s', (p, expected) => {
    expect(checkEvent(p)).toBe(expected);
  });
});

describe('amplitude settings', () => {
  it.each([
    [{}, 'https://api2.amplitude.com/2/httpapi'],
    [{ region: 'eu' as const }, 'https://api.eu.amplitude.com/2/httpapi'],
    [{ api: 'batch' as const }, 'https://api2.amplitude.com/batch'],
    [{ region: 'eu' as const, api: 'batch' as const }, 'https://api.eu.amplitude.com/batch'],
    [{ endpoint: 'http://127.0.0.1:9/' }, 'http://127.0.0.1:9/2/httpapi'],
  ])('%j → %s', (settings, url) => {
    expect(resolveAmplitudeTarget(settings, { apiKey: 'k' }).url).toBe(url);
  });

  it('needs an API key', () => {
    expect(() => resolveAmplitudeTarget({}, { key: 'x' })).toThrow('amplitude settings: the credentials Secret needs an "apiKey" key');
  });

  it('previews requests with the API key masked in the body', async () => {
    const client = amplitude.create({ name: 'amp', settings: {}, credentials: { apiKey: 'amp-key-123' }, timeoutMs: 1000 });
    const [req] = client.preview!([out('a')]);
    expect(req!.body).not.toContain('amp-key-123');
    expect(JSON.parse(req!.body)).toMatchObject({ api_key: '***' });
    await client.close?.();
  });
});

describe('amplitude default mapping', () => {
  const map = (e: SegmentEvent) => compileMapping(AMPLITUDE_DEFAULT_MAPPING)(e).payload;
  const base = { messageId: 'm-1', anonymousId: 'anon-1', timestamp: T0, receivedAt: T0, context: { ip: '203.0.113.9', os: { name: 'iOS' } } };

  it('maps a track event onto Amplitude fields', () => {
    const mapped = map({ ...base, type: 'track', event: 'Order Completed', userId: 'user-1', properties: { revenue: 12.5 } });
    expect(mapped).toEqual({
      event_type: 'Order Completed',
      user_id: 'user-1',
      device_id: 'anon-1',
      time: Date.parse(T0),
      insert_id: 'm-1',
      event_properties: { revenue: 12.5 },
      ip: '203.0.113.9',
      os_name: 'iOS',
      revenue: 12.5,
    });
    expect(checkEvent(mapped)).toBeUndefined();
  });

  it.each([
    ['page', 'Loaded a Page'],
    ['screen', 'Loaded a Screen'],
    ['identify', '$identify'],
  ] as const)('names %s calls %s', (type, name) => {
    const mapped = map({ ...base, type, traits: { plan: 'pro' } });
    expect(mapped.event_type).toBe(name);
    if (type === 'identify') expect(mapped.user_properties).toEqual({ plan: 'pro' });
  });
});
