import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../../../event.ts';
import { compileMapping } from '../../../mapping/mapping.ts';
import type { OutboundEvent } from '../../types.ts';
import { MIXPANEL_DEFAULT_MAPPING, mixpanel, resolveMixpanelTarget } from './index.ts';
import { MAX_REQUEST_BYTES, buildMixpanelRequests, checkEvent, insertIdFor } from './request.ts';

const T0 = '2024-05-01T10:00:00.000Z';
const mp = (id: string, props: Record<string, unknown> = {}) => ({ event: 'Order Completed', properties: { time: 1714557600000, distinct_id: 'user-1', $insert_id: id, ...props } });
const out = (id: string, payload: unknown = mp(id)): OutboundEvent => ({ messageId: id, event: { type: 'track', messageId: id, timestamp: T0, receivedAt: T0 }, payload });
const target = { url: 'https://api.mixpanel.com/import?strict=1', authorization: 'Basic dG9rOg==' };

describe('buildMixpanelRequests', () => {
  it('posts a JSON array of events to /import with the Authorization header', () => {
    const plan = buildMixpanelRequests([out('a'), out('b')], target);
    expect(plan.refused).toEqual([]);
    const [req] = plan.requests;
    expect(req!.positions).toEqual([0, 1]);
    expect(req!.spec).toMatchObject({ method: 'POST', url: target.url, messageIds: ['a', 'b'] });
    expect(req!.spec.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Basic dG9rOg==' });
    expect(JSON.parse(req!.spec.body)).toEqual([mp('a'), mp('b')]);
  });

  it('makes $insert_id valid for Mixpanel, keeping a valid one', () => {
    const long = 'ajs-next-1714557600000-0f8fad5b-d9cb-469f-a165-70867728950e';
    const plan = buildMixpanelRequests([out('ok-1'), out(long, mp(long)), out('m-2', { event: 'E', properties: { time: 1, distinct_id: '' } })], target);
    const sent = (JSON.parse(plan.requests[0]!.spec.body) as Array<{ properties: { $insert_id: string } }>).map((e) => e.properties.$insert_id);
    expect(sent).toEqual(['ok-1', createHash('sha256').update(long).digest('hex').slice(0, 36), 'm-2']);
  });

  it('refuses events /import would reject, with the reason', () => {
    const plan = buildMixpanelRequests(
      [out('a'), out('b', { event: 'E' }), out('c', { event: 'E', properties: { distinct_id: 'u' } }), out('d', { event: '', properties: {} }), out('e', mp('e', { blob: 'x'.repeat(1_000_000) }))],
      target,
    );
    expect(plan.requests.map((r) => r.positions)).toEqual([[0]]);
    expect(plan.refused.map((r) => [r.position, r.error.code, r.error.message])).toEqual([
      [1, 'invalid_payload', 'building the request: the event has no "properties" object'],
      [2, 'invalid_payload', 'building the request: properties.time must be seconds or milliseconds since the epoch'],
      [3, 'invalid_payload', 'building the request: the event has no "event" name'],
      [4, 'too_large', expect.stringContaining('Mixpanel takes events under 1000000') as string],
    ]);
  });

  it('splits by 2,000 events and 10 MB per request', () => {
    const many = buildMixpanelRequests(Array.from({ length: 4001 }, (_, i) => out(`e${i}`)), target);
    expect(many.requests.map((r) => r.positions.length)).toEqual([2000, 2000, 1]);
    const big = buildMixpanelRequests(Array.from({ length: 13 }, (_, i) => out(`b${i}`, mp(`b${i}`, { blob: 'y'.repeat(900_000) }))), target);
    expect(big.requests.map((r) => r.positions.length)).toEqual([11, 2]);
    for (const r of big.requests) expect(Buffer.byteLength(r.spec.body)).toBeLessThanOrEqual(MAX_REQUEST_BYTES);
  });
});

describe('mixpanel checks', () => {
  it.each([
    [mp('a'), undefined],
    [{ event: 'E', properties: { time: 1, distinct_id: 7 } }, 'properties.distinct_id must be text (empty when no user is known)'],
    [null, 'the mapped payload is not an object'],
  ])('checkEvent(%j) → %s', (p, expected) => {
    expect(checkEvent(p)).toBe(expected);
  });

  it.each([
    ['abc-123', 'm', 'abc-123'],
    [undefined, 'msg-1', 'msg-1'],
    ['has space', 'm', createHash('sha256').update('has space').digest('hex').slice(0, 36)],
    [undefined, 'x'.repeat(37), createHash('sha256').update('x'.repeat(37)).digest('hex').slice(0, 36)],
  ])('insertIdFor(%j, %j) → %s', (mapped, messageId, expected) => {
    expect(insertIdFor(mapped, messageId)).toBe(expected);
  });
});

describe('mixpanel settings', () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

  it.each([
    [{}, { projectToken: 'tok' }, 'https://api.mixpanel.com/import?strict=1', basic('tok:')],
    [{ region: 'eu' as const }, { projectToken: 'tok' }, 'https://api-eu.mixpanel.com/import?strict=1', basic('tok:')],
    [{ region: 'in' as const, projectId: '42' }, { serviceAccountUsername: 'sa.user', serviceAccountSecret: 'sa-secret' }, 'https://api-in.mixpanel.com/import?strict=1&project_id=42', basic('sa.user:sa-secret')],
    [{ endpoint: 'http://127.0.0.1:9' }, { projectToken: 'tok' }, 'http://127.0.0.1:9/import?strict=1', basic('tok:')],
  ])('%j with %j → %s', (settings, credentials, url, authorization) => {
    expect(resolveMixpanelTarget(settings, credentials)).toEqual({ url, authorization });
  });

  it.each([
    [{}, {}, 'needs "serviceAccountUsername" and "serviceAccountSecret" (a service account), or "projectToken"'],
    [{}, { serviceAccountUsername: 'u', serviceAccountSecret: 's' }, 'projectId is required with a service account'],
  ])('refuses %j with %j', (settings, credentials, message) => {
    expect(() => resolveMixpanelTarget(settings, credentials)).toThrow(message);
  });

  it('previews requests with the credentials masked', async () => {
    const client = mixpanel.create({ name: 'mp', settings: {}, credentials: { projectToken: 'tok-123456' }, timeoutMs: 1000 });
    const [req] = client.preview!([out('a', mp('a', { echo: 'tok-123456' }))]);
    expect(req!.headers.authorization).toBe('Basic ***');
    expect(req!.body).not.toContain('tok-123456');
    await client.close?.();
  });
});

describe('mixpanel default mapping', () => {
  const map = (e: SegmentEvent) => compileMapping(MIXPANEL_DEFAULT_MAPPING)(e).payload;
  const base = { messageId: 'm-1', timestamp: T0, receivedAt: T0 };

  it('maps a track event onto an /import event', () => {
    const mapped = map({ ...base, type: 'track', event: 'Order Completed', userId: 'user-1', anonymousId: 'anon-1', properties: { revenue: 5 }, context: { ip: '203.0.113.9' } });
    expect(mapped).toEqual({
      event: 'Order Completed',
      properties: { revenue: 5, time: Date.parse(T0), distinct_id: 'user-1', $insert_id: 'm-1', $user_id: 'user-1', $device_id: 'anon-1', ip: '203.0.113.9' },
    });
    expect(checkEvent(mapped)).toBeUndefined();
  });

  it('names page and screen calls, and maps identify, group and alias calls to nothing', () => {
    expect(map({ ...base, type: 'page', anonymousId: 'anon-1' }).event).toBe('Loaded a Page');
    expect(map({ ...base, type: 'screen', anonymousId: 'anon-1' }).event).toBe('Loaded a Screen');
    for (const type of ['identify', 'group', 'alias'] as const) expect(map({ ...base, type, userId: 'user-1' })).toEqual({});
  });
});
