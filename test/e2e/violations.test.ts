// Scenario 2, end to end: one batch of planned, invalid, unplanned-property and
// unplanned events sent to three Sources whose TrackingPlans allow, omit and block. What
// reaches the webhook, what sits in the NATS quarantine, and what the pods count.
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Source, TrackingPlan, TrackingPlanSpec } from '../../operator/src/api/index.ts';
import { startReceiver, type Receiver } from '../support/receiver.ts';
import { sendSegment } from '../support/segment.ts';
import { startE2E, type E2E } from './env.ts';
import { sourceWithKey, storePlan, trackingPlan, webhookDestination } from './manifests.ts';

type JsonObject = Record<string, unknown>;
type Policy = 'allow' | 'omit' | 'block';

const POLICIES: Record<Policy, Pick<TrackingPlanSpec, 'unplannedEvents' | 'unplannedProperties' | 'onViolation'>> = {
  allow: { unplannedEvents: 'allow', unplannedProperties: 'allow', onViolation: 'allow' },
  omit: { unplannedEvents: 'allow', unplannedProperties: 'omit', onViolation: 'omit' },
  block: { unplannedEvents: 'block', unplannedProperties: 'block', onViolation: 'block' },
};
const INVALID_COPIES = 3;

interface Batch {
  valid: string;
  invalid: string[];
  unplannedProperty: string;
  unplannedEvent: string;
  events: JsonObject[];
}

function batchFor(policy: Policy): Batch {
  const id = (what: string) => `${policy}-${what}-${randomUUID()}`;
  const track = (messageId: string, event: string, properties: JsonObject) => ({ type: 'track', messageId, userId: 'u-1', event, properties });
  const b: Batch = {
    valid: id('valid'),
    invalid: Array.from({ length: INVALID_COPIES }, (_, i) => id(`invalid${i}`)),
    unplannedProperty: id('unplanned-property'),
    unplannedEvent: id('unplanned-event'),
    events: [],
  };
  b.events = [
    track(b.valid, 'Order Completed', { order_id: 'o-1', revenue: 10 }),
    ...b.invalid.map((m) => track(m, 'Order Completed', { order_id: 'o-2', revenue: 'lots' })),
    track(b.unplannedProperty, 'Product Viewed', { product_id: 'p-1', color: 'red' }),
    track(b.unplannedEvent, 'Coupon Applied', { code: 'SAVE10' }),
  ];
  return b;
}

let e2e: E2E;
let ns: string;
let hook: Receiver;
const batches = new Map<Policy, Batch>();
const srcName = (p: Policy) => `viol-${p}`;
const writeKey = (p: Policy) => `wk-${p}-${randomUUID()}`;

beforeAll(async () => {
  e2e = await startE2E();
  ns = await e2e.namespace('violations');
  hook = await startReceiver({ record: false });
  const keys = new Map((Object.keys(POLICIES) as Policy[]).map((p) => [p, writeKey(p)]));
  await e2e.apply(ns, [
    ...(Object.keys(POLICIES) as Policy[]).flatMap((p) => [
      trackingPlan(`plan-${p}`, storePlan(POLICIES[p])),
      ...sourceWithKey(srcName(p), keys.get(p)!, { trackingPlanRef: { name: `plan-${p}` } }),
    ]),
    webhookDestination('all', (Object.keys(POLICIES) as Policy[]).map(srcName), hook.url),
  ]);
  await e2e.deliverPods(ns, 'all', 1);
  await e2e.waitForConsumers(ns, 'all', (Object.keys(POLICIES) as Policy[]).map(srcName));
  for (const p of Object.keys(POLICIES) as Policy[]) {
    const [url] = await e2e.ingestUrls(ns, srcName(p), 1);
    const b = batchFor(p);
    batches.set(p, b);
    const res = await sendSegment(url!, 'batch', { batch: b.events }, { writeKey: keys.get(p)! });
    expect(res.status, res.text).toBe(200);
  }
}, 240_000);

afterAll(async () => {
  await hook?.close();
  await e2e?.stop();
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') console.log(e2e.diagnostics());
});

const protocols = (e: JsonObject | undefined) => (e?.context as { protocols?: { violations?: Array<{ field: string }>; omitted?: string[] } } | undefined)?.protocols;
const delivered = (id: string) => hook.delivered().find((e) => e.messageId === id);

async function ingestStatus(p: Policy): Promise<JsonObject> {
  const [url] = await e2e.ingestUrls(ns, srcName(p), 1);
  const res = await fetch(`${url}/status`);
  const body = (await res.json()) as { stats?: Record<string, JsonObject> };
  return body.stats?.[srcName(p)] ?? {};
}

describe('tracking-plan policies, end to end', () => {
  it('allow: every event delivered, violations stamped in context.protocols', async () => {
    const b = batches.get('allow')!;
    await hook.waitForDelivered([b.valid, ...b.invalid, b.unplannedProperty, b.unplannedEvent], 30_000);
    expect(protocols(delivered(b.valid))).toBeUndefined();
    expect(delivered(b.invalid[0]!)?.properties).toEqual({ order_id: 'o-2', revenue: 'lots' });
    expect(protocols(delivered(b.invalid[0]!))?.violations?.map((v) => v.field)).toEqual(['properties.revenue']);
    expect(delivered(b.unplannedProperty)?.properties).toEqual({ product_id: 'p-1', color: 'red' });
    expect(protocols(delivered(b.unplannedProperty))?.violations?.map((v) => v.field)).toEqual(['properties.color']);
    expect(protocols(delivered(b.unplannedEvent))?.violations?.map((v) => v.field)).toEqual(['event']);
    const quarantine = await (await e2e.bus(ns)).listQuarantine(srcName('allow'));
    expect(quarantine).toEqual([]);
    expect(await ingestStatus('allow')).toMatchObject({ received: 6, accepted: 6, blocked: 0, rejected: 0 });
  });

  it('omit: every event delivered without the offending properties, listed in context.protocols.omitted', async () => {
    const b = batches.get('omit')!;
    await hook.waitForDelivered([b.valid, ...b.invalid, b.unplannedProperty, b.unplannedEvent], 30_000);
    expect(delivered(b.valid)?.properties).toEqual({ order_id: 'o-1', revenue: 10 });
    expect(delivered(b.invalid[1]!)?.properties).toEqual({ order_id: 'o-2' });
    expect(protocols(delivered(b.invalid[1]!))?.omitted).toEqual(['properties.revenue']);
    expect(delivered(b.unplannedProperty)?.properties).toEqual({ product_id: 'p-1' });
    expect(protocols(delivered(b.unplannedProperty))?.omitted).toEqual(['properties.color']);
    expect(delivered(b.unplannedEvent)?.properties).toEqual({ code: 'SAVE10' });
    expect(await (await e2e.bus(ns)).listQuarantine(srcName('omit'))).toEqual([]);
    expect(await ingestStatus('omit')).toMatchObject({ received: 6, accepted: 6, blocked: 0 });
  });

  it('block: only the valid event delivered; the others sit in the quarantine with their violations', async () => {
    const b = batches.get('block')!;
    await hook.waitForDelivered([b.valid], 30_000);
    const quarantine = await (await e2e.bus(ns)).listQuarantine(srcName('block'));
    const byId = new Map(quarantine.map((q) => [q.event.messageId, q]));
    expect([...byId.keys()].sort()).toEqual([...b.invalid, b.unplannedProperty, b.unplannedEvent].sort());
    expect(byId.get(b.invalid[2]!)?.violations.map((v) => `${v.kind}:${v.field}`)).toEqual(['type:properties.revenue']);
    expect(byId.get(b.unplannedProperty)?.violations.map((v) => `${v.kind}:${v.field}`)).toEqual(['unplanned-property:properties.color']);
    expect(byId.get(b.unplannedEvent)?.violations.map((v) => `${v.kind}:${v.field}`)).toEqual(['unplanned-event:event']);
    expect(await ingestStatus('block')).toMatchObject({ received: 6, accepted: 1, blocked: 5 });
    // Everything else from this Source was held back: the receiver saw only the valid one.
    for (const id of [...b.invalid, b.unplannedProperty, b.unplannedEvent]) expect(hook.attempts(id), id).toBe(0);
  });

  it('status: counts per Source and the worst violation with a sample messageId', async () => {
    const block = batches.get('block')!;
    const src = await e2e.waitStatus<Source>(ns, `source ${srcName('block')}`, (s) => s.status?.blocked === 5 && (s.status.topViolations?.length ?? 0) >= 3, {
      describe: '5 blocked, 3 kinds of violation',
    });
    expect(src.status).toMatchObject({ received: 6, accepted: 1, blocked: 5, rejected: 0 });
    const [worst, ...others] = src.status?.topViolations ?? [];
    expect(worst).toMatchObject({ event: 'Order Completed', field: 'properties.revenue', kind: 'type', count: INVALID_COPIES });
    expect(block.invalid).toContain(worst?.sampleMessageId);
    expect(Date.parse(worst?.lastSeen ?? '')).toBeGreaterThan(Date.now() - 300_000);
    // Unplanned event names are not a bounded set: they share one entry, its sample says which.
    expect(others.map((v) => `${v.event}/${v.field}/${v.kind}/${v.count}/${v.sampleMessageId}`).sort()).toEqual([
      `(unplanned)/event/unplanned-event/1/${block.unplannedEvent}`,
      `Product Viewed/properties.color/unplanned-property/1/${block.unplannedProperty}`,
    ]);

    // Allowed with violations: accepted, and the violations still reported.
    const allow = await e2e.waitStatus<Source>(ns, `source ${srcName('allow')}`, (s) => s.status?.accepted === 6 && (s.status.topViolations?.length ?? 0) >= 3, {
      describe: '6 accepted, 3 kinds of violation',
    });
    expect(allow.status).toMatchObject({ received: 6, blocked: 0 });
    expect(allow.status?.topViolations?.[0]).toMatchObject({ field: 'properties.revenue', count: INVALID_COPIES });

    // Each plan sums the violations of the Sources enforcing it.
    const plan = await e2e.waitStatus<TrackingPlan>(ns, 'trackingplan plan-block', (p) => (p.status?.violations ?? 0) > 0, { describe: 'violations counted' });
    expect(plan.status).toMatchObject({ sources: [srcName('block')], violations: INVALID_COPIES + 2 });
  });
});
