import { afterEach, describe, expect, it } from 'vitest';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import { basic, metricValue, source, startHarness, type Harness } from './handler.fixture.ts';

const plan: { name: string; spec: TrackingPlanSpec } = {
  name: 'shop',
  spec: {
    unplannedEvents: 'block',
    onViolation: 'allow',
    events: [{ name: 'Order Completed', properties: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' } } } }],
  },
};

const good = { type: 'track', userId: 'u', event: 'Order Completed', properties: { order_id: 'o1' }, messageId: 'good' };
const flagged = { type: 'track', userId: 'u', event: 'Order Completed', properties: {}, messageId: 'flagged' };
const unplanned = { type: 'track', userId: 'u', event: 'Surprise', messageId: 'unplanned' };
const malformed = { type: 'track', event: 'Order Completed', messageId: 'malformed' };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function post(path: string, body: unknown, key: string): Promise<Response> {
  return fetch(`${h!.url}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: basic(key) } });
}

describe('tracking plan', () => {
  it('quarantines blocked events, stores allowed ones with their violations, counts and samples them', async () => {
    h = await startHarness([source('web', ['k'], {}, plan)]);
    const res = await post('/v1/batch', { batch: [good, flagged, unplanned, malformed] }, 'k');
    expect(await res.json()).toEqual({ success: true });
    expect((await h.events()).map((e) => e.messageId)).toEqual(['good', 'flagged']);
    expect((await h.quarantined()).map((q) => [q.event.messageId, q.violations[0]!.kind])).toEqual([['unplanned', 'unplanned-event']]);
    expect(h.ingest.stats().web).toMatchObject({ received: 4, accepted: 2, blocked: 1, rejected: 1 });
    expect(await metricValue(h.metrics, 'sluice_violations_total', { source: 'web', event: 'Order Completed', kind: 'required' })).toBe(1);
    expect(await metricValue(h.metrics, 'sluice_violations_total', { source: 'web', event: '(unplanned)', kind: 'unplanned-event' })).toBe(1);
    expect(await metricValue(h.metrics, 'sluice_ingest_events_total', { source: 'web', outcome: 'blocked', reason: 'unplanned-event' })).toBe(1);
    const top = h.sampler.top('web', 10);
    expect(top.map((t) => [t.event, t.kind]).sort()).toEqual([
      ['(unplanned)', 'unplanned-event'],
      ['Order Completed', 'required'],
    ]);
  });

  it('onInvalid: reject answers 400 listing every bad event and stores nothing from the request', async () => {
    h = await startHarness([source('strict', ['k'], { onInvalid: 'reject' }, plan)]);
    const res = await post('/v1/batch', { batch: [good, unplanned, malformed, flagged] }, 'k');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { success: boolean; code: string; errors: Record<string, unknown>[] };
    expect(body.success).toBe(false);
    expect(body.code).toBe('invalid_events');
    expect(body.errors.map((e) => [e.index, e.messageId, e.kind, e.field])).toEqual([
      [1, 'unplanned', 'unplanned-event', 'event'],
      [2, 'malformed', 'no_user_anon_id', 'userId'],
    ]);
    expect(body.errors[0]).toMatchObject({ event: 'Surprise' });
    expect(await h.events()).toEqual([]);
    expect(await h.quarantined()).toEqual([]);
    expect(h.ingest.stats().strict).toMatchObject({ received: 4, accepted: 0, rejected: 4 });
    expect((await post('/v1/batch', { batch: [good, flagged] }, 'k')).status).toBe(200);
  });
});

describe('reload', () => {
  it('swaps Sources and keys at once and keeps counts of Sources that stay', async () => {
    h = await startHarness([source('web', ['old'])]);
    expect((await post('/v1/track', { userId: 'u', event: 'x' }, 'old')).status).toBe(200);
    await h.reload([source('web', ['new'], {}, plan), source('other', ['o'])]);
    expect((await post('/v1/track', { userId: 'u', event: 'x' }, 'old')).status).toBe(401);
    expect((await post('/v1/track', { userId: 'u', event: 'Surprise' }, 'new')).status).toBe(200);
    expect(await h.quarantined()).toHaveLength(1);
    expect(h.ingest.stats()).toMatchObject({ web: { received: 2, accepted: 1, blocked: 1 }, other: { received: 0 } });
  });

  it('keeps the running configuration when a plan does not compile or keys collide', async () => {
    h = await startHarness([source('web', ['k'])]);
    const broken = { name: 'broken', spec: { events: [{ name: 'X', properties: { type: 'no-such-type' } }] } as TrackingPlanSpec };
    expect(() => h!.ingest.reload([source('web', ['k2'], {}, broken)])).toThrow(/compiling tracking plan "broken"/);
    expect(() => h!.ingest.reload([source('a', ['same']), source('b', ['same'])])).toThrow(/share a write key/);
    expect((await post('/v1/track', { userId: 'u', event: 'x' }, 'k')).status).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once the Source spends its requests', async () => {
    let now = 1_000_000;
    h = await startHarness([source('web', ['k'], { limits: { requestsPerSecond: 2 } })], { now: () => now });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const res = await post('/v1/track', { userId: 'u', event: 'x' }, 'k');
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    now += 1000;
    expect((await post('/v1/track', { userId: 'u', event: 'x' }, 'k')).status).toBe(200);
    // Keys in the body are limited too.
    const body = await fetch(`${h.url}/v1/track`, { method: 'POST', body: JSON.stringify({ userId: 'u', event: 'x', writeKey: 'k' }) });
    expect(body.status).toBe(200);
    const over = await fetch(`${h.url}/v1/track`, { method: 'POST', body: JSON.stringify({ userId: 'u', event: 'x', writeKey: 'k' }) });
    expect(over.status).toBe(429);
  });
});

describe('settings with a public URL', () => {
  it('points apiHost at the public URL whatever the Host header', async () => {
    h = await startHarness([source('web', ['k'])], { publicUrl: 'https://events.example.com' });
    const body = (await (await fetch(`${h.url}/v1/projects/k/settings`)).json()) as { integrations: Record<string, Record<string, unknown>> };
    expect(body.integrations['Segment.io']).toMatchObject({ apiHost: 'events.example.com/v1', protocol: 'https' });
  });
});
