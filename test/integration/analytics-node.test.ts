import { randomUUID } from 'node:crypto';
import { Analytics, type HTTPFetchFn } from '@segment/analytics-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { countOf, metricValue, pipeline, recentOf, STORE_PLAN, type Receiver, type Sluice } from '../support/index.ts';

// The device's clock runs an hour fast, and its events were recorded five minutes before
// they were sent (an offline queue). Sluice must place them five minutes back on the
// server's clock: receivedAt − (sentAt − originalTimestamp).
const SKEW_MS = 60 * 60 * 1000;
const AGE_MS = 5 * 60 * 1000;
const TOLERANCE_MS = 2000;

/** The SDK's own fetch, with `sentAt` read off the same fast clock as the event timestamps. */
const skewedFetch: HTTPFetchFn = async (url, init) => {
  const body = JSON.parse(init.body) as { sentAt: string };
  body.sentAt = new Date(Date.parse(body.sentAt) + SKEW_MS).toISOString();
  return fetch(url, { method: init.method, headers: init.headers, body: JSON.stringify(body), signal: init.signal as AbortSignal });
};

const h = useHarness();
const writeKey = `wk-node-${randomUUID()}`;
let sluice: Sluice;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await h.receiver();
  sluice = await h.sluice({ manifests: pipeline({ writeKey, webhookUrl: receiver.url, plan: STORE_PLAN }) });
});

/** Runs one SDK call and resolves when the SDK reports the batch holding it was answered. */
function call(fn: (cb: (err?: unknown) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err instanceof Error ? err : new Error('the SDK reported a failed call', { cause: err })) : resolve())));
}

describe('@segment/analytics-node against sluice run', () => {
  it('delivers all six call types with messageIds kept, timestamps corrected and context.library kept', async () => {
    const analytics = new Analytics({ writeKey, host: sluice.url, flushAt: 7, flushInterval: 500, maxRetries: 2, httpClient: skewedFetch });
    const happened = Date.now() - AGE_MS;
    const timestamp = new Date(happened + SKEW_MS);
    const id = (t: string) => `node-${t}-${randomUUID()}`;
    const ids = { track: id('track'), identify: id('identify'), page: id('page'), screen: id('screen'), group: id('group'), alias: id('alias'), bad: id('bad') };
    const user = { userId: 'user-42' };
    const before = Date.now();

    await Promise.all([
      call((cb) => analytics.track({ ...user, messageId: ids.track, timestamp, event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR' } }, cb)),
      call((cb) => analytics.identify({ ...user, messageId: ids.identify, timestamp, traits: { email: 'ada@example.com', plan: 'pro' } }, cb)),
      call((cb) => analytics.page({ ...user, messageId: ids.page, timestamp, category: 'Docs', name: 'Pricing', properties: { path: '/pricing' } }, cb)),
      call((cb) => analytics.screen({ ...user, messageId: ids.screen, timestamp, name: 'Home', properties: { variant: 'b' } }, cb)),
      call((cb) => analytics.group({ ...user, messageId: ids.group, timestamp, groupId: 'acme', traits: { name: 'Acme Inc' } }, cb)),
      call((cb) => analytics.alias({ userId: 'user-42', previousId: 'anon-7', messageId: ids.alias, timestamp }, cb)),
      // Breaks the plan (revenue is not a number, order_id missing): blocked, not delivered.
      call((cb) => analytics.track({ ...user, messageId: ids.bad, timestamp, event: 'Order Completed', properties: { revenue: 'lots' } }, cb)),
    ]);
    await analytics.closeAndFlush({ timeout: 5000 });
    const good = [ids.track, ids.identify, ids.page, ids.screen, ids.group, ids.alias];
    await receiver.waitForDelivered(good, 20_000);

    const byId = new Map(receiver.delivered().map((e) => [e.messageId, e]));
    const expectedType: Record<string, string> = { [ids.track]: 'track', [ids.identify]: 'identify', [ids.page]: 'page', [ids.screen]: 'screen', [ids.group]: 'group', [ids.alias]: 'alias' };
    for (const messageId of good) {
      const e = byId.get(messageId);
      expect(e, `event ${messageId} delivered`).toBeDefined();
      expect(e?.type).toBe(expectedType[messageId]);
      // The corrected time is when the event happened on the server's clock.
      expect(Math.abs(Date.parse(String(e?.timestamp)) - happened), `timestamp of ${messageId}: ${String(e?.timestamp)}`).toBeLessThan(TOLERANCE_MS);
      expect(Date.parse(String(e?.originalTimestamp)), `originalTimestamp of ${messageId}`).toBe(timestamp.getTime());
      const receivedAt = Date.parse(String(e?.receivedAt));
      expect(receivedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(receivedAt).toBeLessThanOrEqual(Date.now());
      const library = (e?.context as { library?: { name?: string; version?: unknown } } | undefined)?.library;
      expect(library?.name).toBe('@segment/analytics-node');
      expect(typeof library?.version).toBe('string');
    }
    expect(byId.get(ids.track)).toMatchObject({ event: 'Order Completed', userId: 'user-42', properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR' } });
    expect(byId.get(ids.identify)).toMatchObject({ traits: { email: 'ada@example.com', plan: 'pro' } });
    expect(byId.get(ids.page)).toMatchObject({ name: 'Pricing', properties: { path: '/pricing' } });
    expect(byId.get(ids.screen)).toMatchObject({ name: 'Home', properties: { variant: 'b' } });
    expect(byId.get(ids.group)).toMatchObject({ groupId: 'acme', traits: { name: 'Acme Inc' } });
    expect(byId.get(ids.alias)).toMatchObject({ previousId: 'anon-7', userId: 'user-42' });
    expect(receiver.duplicates).toBe(0);

    // The malformed event: kept in the quarantine with its reasons, never delivered.
    const status = await sluice.status();
    expect(countOf(status.quarantine.web), 'quarantined events of source web').toBe(1);
    expect(status.sources.web).toMatchObject({ received: 7, accepted: 6, blocked: 1 });
    const violations = status.sources.web?.topViolations ?? [];
    expect(violations.some((v) => v.event === 'Order Completed' && v.field === 'properties.revenue' && v.kind === 'type'), JSON.stringify(violations)).toBe(true);
    expect(violations.some((v) => v.event === 'Order Completed' && v.kind === 'required'), JSON.stringify(violations)).toBe(true);
    const quarantined = recentOf(status.quarantine.web);
    const entry = quarantined.find((q) => (q.event as { messageId?: string } | undefined)?.messageId === ids.bad);
    expect(entry, `quarantine holds ${ids.bad}: ${JSON.stringify(quarantined).slice(0, 500)}`).toBeDefined();
    expect(JSON.stringify(entry?.violations)).toContain('properties.revenue');
    expect(receiver.attempts(ids.bad)).toBe(0);
    expect(metricValue(await sluice.metrics(), 'sluice_ingest_events_total', { source: 'web', outcome: 'blocked' })).toBe(1);
  });
});
