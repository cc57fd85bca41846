// End to end on a real control plane, NATS and the pods the operator renders: the Segment
// Node SDK sends to an ingest pod, a delivery pod posts to a webhook receiver (scenario 1);
// Destinations created later start from the bus history or from now (scenario 4).
import { randomUUID } from 'node:crypto';
import { Analytics } from '@segment/analytics-node';
import type { Destination, Source } from '../../operator/src/api/index.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { startE2E, type E2E } from './env.ts';
import { sourceWithKey, webhookDestination } from './manifests.ts';

let e2e: E2E;
let ns: string;
const receivers: Receiver[] = [];
const writeKey = `wk-e2e-${randomUUID()}`;
const SOURCE = 'web-happy';
const sent: string[] = [];

const condition = (o: Source | Destination, type: string) => o.status?.conditions?.find((c) => c.type === type);

const receiver = async (): Promise<Receiver> => {
  const r = await startReceiver({ record: false });
  receivers.push(r);
  return r;
};

beforeAll(async () => {
  e2e = await startE2E();
  ns = await e2e.namespace('pipeline');
}, 240_000);

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await e2e?.stop();
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(e2e.diagnostics());
});

/** Sends through the SDK and resolves once it reports every batch answered. */
async function sendWithSdk(host: string, n: number, tag: string): Promise<string[]> {
  const analytics = new Analytics({ writeKey, host, flushAt: 20, flushInterval: 200, maxRetries: 3 });
  const ids: string[] = [];
  const calls: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const messageId = `${tag}-${i}-${randomUUID()}`;
    ids.push(messageId);
    calls.push(
      new Promise<void>((resolve, reject) => {
        const cb = (err?: unknown) => (err ? reject(new Error(`the SDK reported a failed call for ${messageId}`, { cause: err })) : resolve());
        if (i % 3 === 0) analytics.identify({ userId: `user-${i}`, messageId, traits: { plan: 'pro' } }, cb);
        else if (i % 3 === 1) analytics.page({ userId: `user-${i}`, messageId, name: 'Pricing', properties: { path: '/pricing' } }, cb);
        else analytics.track({ userId: `user-${i}`, messageId, event: 'Order Completed', properties: { order_id: `o-${i}`, revenue: i } }, cb);
      }),
    );
  }
  await Promise.all(calls);
  await analytics.closeAndFlush({ timeout: 10_000 });
  return ids;
}

describe('the cluster data plane, end to end', () => {
  it('delivers what @segment/analytics-node sends: SDK → ingest pod → NATS → delivery pod → webhook', async () => {
    const hook = await receiver();
    await e2e.apply(ns, [...sourceWithKey(SOURCE, writeKey), webhookDestination('hook', [SOURCE], hook.url)]);
    const [ingest] = await e2e.ingestUrls(ns, SOURCE, 1);
    await e2e.deliverPods(ns, 'hook', 1);
    await e2e.waitForConsumers(ns, 'hook', [SOURCE]);

    const ids = await sendWithSdk(ingest!, 60, 'happy');
    sent.push(...ids);
    await hook.waitForDelivered(ids, 30_000);

    const byId = new Map(hook.delivered().map((e) => [e.messageId, e]));
    expect(byId.size).toBe(ids.length);
    for (const id of ids) {
      const e = byId.get(id);
      expect(e?.receivedAt, `receivedAt of ${id}`).toBeTypeOf('string');
      expect((e?.context as { library?: { name?: string } } | undefined)?.library?.name).toBe('@segment/analytics-node');
    }
    expect(byId.get(ids[2]!)).toMatchObject({ type: 'track', event: 'Order Completed', userId: 'user-2', properties: { order_id: 'o-2', revenue: 2 } });
    expect(byId.get(ids[0]!)).toMatchObject({ type: 'identify', traits: { plan: 'pro' } });
    expect(hook.duplicates).toBe(0);

    // What kubectl shows, from the pods' stats on NATS.
    const src = await e2e.waitStatus<Source>(ns, `source ${SOURCE}`, (s) => s.status?.accepted === ids.length, { describe: `${ids.length} accepted` });
    expect(src.status).toMatchObject({ received: ids.length, accepted: ids.length, blocked: 0, rejected: 0 });
    expect(Date.parse(src.status?.lastEventTime ?? '')).toBeGreaterThan(Date.now() - 120_000);
    expect(condition(src, 'EventsFlowing')).toMatchObject({ status: 'True', reason: 'EventsReceived' });
    const dst = await e2e.waitStatus<Destination>(ns, 'destination hook', (d) => d.status?.delivered === ids.length && d.status.lag === 0, { describe: `${ids.length} delivered, lag 0` });
    expect(dst.status).toMatchObject({ delivered: ids.length, failed: 0, deadLettered: 0, lag: 0 });
    expect(Date.parse(dst.status?.lastDeliveryTime ?? '')).toBeGreaterThan(Date.now() - 120_000);
    expect(condition(dst, 'Delivering')).toMatchObject({ status: 'True', reason: 'Delivering' });
  }, 180_000);

  it('a new Destination with startFrom: 1h receives the history; one starting now does not', async () => {
    expect(sent.length).toBeGreaterThan(0);
    const history = await receiver();
    const fresh = await receiver();
    await e2e.apply(ns, [
      webhookDestination('backfill', [SOURCE], history.url, { startFrom: '1h' }),
      webhookDestination('from-now', [SOURCE], fresh.url, { startFrom: 'now' }),
    ]);
    await Promise.all([e2e.deliverPods(ns, 'backfill', 1), e2e.deliverPods(ns, 'from-now', 1)]);
    await e2e.waitForConsumers(ns, 'from-now', [SOURCE]);
    await history.waitForDelivered(sent, 30_000);
    expect(history.duplicates).toBe(0);

    const [ingest] = await e2e.ingestUrls(ns, SOURCE, 1);
    const later = await sendWithSdk(ingest!, 10, 'later');
    await Promise.all([history.waitForDelivered(later, 30_000), fresh.waitForDelivered(later, 30_000)]);
    expect(history.deliveredCount).toBe(sent.length + later.length);
    // Nothing from before it existed: exactly the later events.
    expect([...fresh.deliveredIds()].sort()).toEqual([...later].sort());

    const total = sent.length + later.length;
    // Lag is sampled on its own timer: a snapshot may count every delivery before its lag catches up.
    const backfill = await e2e.waitStatus<Destination>(ns, 'destination backfill', (d) => d.status?.delivered === total && d.status.lag === 0, { describe: `${total} delivered, lag 0` });
    expect(backfill.status).toMatchObject({ delivered: total, lag: 0, failed: 0 });
    const fromNow = await e2e.waitStatus<Destination>(ns, 'destination from-now', (d) => d.status?.delivered === later.length && d.status.lag === 0, { describe: `${later.length} delivered, lag 0` });
    expect(fromNow.status).toMatchObject({ delivered: later.length, lag: 0 });
    const src = await e2e.waitStatus<Source>(ns, `source ${SOURCE}`, (x) => x.status?.accepted === total, { describe: `${total} accepted` });
    expect(src.status?.received).toBe(total);
  }, 180_000);
});
