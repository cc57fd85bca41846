// Stats from runtime pods to the operator over a real nats-server: two pods publishing for
// one Source through the runtime's own publisher, the operator's StatusFeed listening.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusFeed } from '../../operator/src/feedback/index.ts';
import { openNatsStatsChannel, statsWildcard } from '../../runtime/src/bus/nats/stats.ts';
import type { SegmentEvent } from '../../runtime/src/event.ts';
import { emptyStats, type SourceStats } from '../../runtime/src/ingest/stats.ts';
import { PodStats, sourceBody, SNAPSHOT_LIMITS, type StatsChannel } from '../../runtime/src/observe/feedback/index.ts';
import { ViolationSampler } from '../../runtime/src/observe/violations.ts';
import { compilePlan } from '../../runtime/src/plan/index.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';
import { waitFor } from '../support/wait.ts';

const EMAIL = 'jane.doe@example.com';
const SECRET = 'sk_live_9fQ2xT7mZ1pL8wR4';

let nats: NatsServer;
let raw: NatsConnection;
const wire: Uint8Array[] = [];
const opened: StatsChannel[] = [];

beforeAll(async () => {
  nats = await startNatsServer();
  raw = await connect({ servers: nats.url });
  raw.subscribe(statsWildcard('SLUICE'), {
    callback: (_err, msg) => {
      wire.push(msg.data);
    },
  });
  await raw.flush();
}, 30_000);

afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined);
  await raw?.close();
  await nats?.close();
});

async function channel(name: string): Promise<StatsChannel> {
  const c = await openNatsStatsChannel({ servers: nats.url, name });
  opened.push(c);
  return c;
}

/** A pod's ingest counts and violation sampler, fed with events the plan finds fault with. */
function ingestPod(received: number, events: SegmentEvent[] = []) {
  const plan = compilePlan('storefront', {
    events: [{ name: 'Order Completed', properties: { type: 'object', properties: { revenue: { type: 'number' }, token: { type: 'string', maxLength: 4 } } } }],
  });
  const sampler = new ViolationSampler();
  for (const e of events) sampler.record('web', e.event ?? e.type, plan.check(e).violations, e.messageId);
  const stats: SourceStats = { ...emptyStats(), received, accepted: received, lastEventTime: new Date().toISOString() };
  return { stats, sampler };
}

describe('stats over NATS', () => {
  it('reaches the operator from two pods, stops counting a pod that went away, bounded and free of payload values', async () => {
    const feed = new StatusFeed({ minIntervalMs: 0 });
    const operatorSide = await channel('operator');
    await feed.start(operatorSide);

    const now = new Date().toISOString();
    const a = ingestPod(10);
    const b = ingestPod(5, [
      { type: 'track', event: 'Order Completed', messageId: 'm-bad-1', timestamp: now, receivedAt: now, properties: { revenue: EMAIL, token: SECRET } },
    ]);
    const podA = new PodStats({ channel: await channel('pod-a'), namespace: 'shop', pod: 'ingest-web-a', intervalMs: 1_000 });
    const chanB = await channel('pod-b');
    const podB = new PodStats({ channel: chanB, namespace: 'shop', pod: 'ingest-web-b', intervalMs: 1_000 });
    await podA.serve('source', [{ name: 'web', snapshot: () => sourceBody('web', a.stats, a.sampler, { trackingPlan: 'storefront' }) }]);
    await podB.serve('source', [{ name: 'web', snapshot: () => sourceBody('web', b.stats, b.sampler, { trackingPlan: 'storefront' }) }]);

    const both = await waitFor(
      () => {
        feed.tick();
        const s = feed.statusFor('Source', 'shop', 'web');
        return s?.fields.received === 15 && s.fields.topViolations?.length ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'both pods counted' },
    );
    expect(both.fields).toMatchObject({ received: 15, accepted: 15, blocked: 0, rejected: 0 });
    expect(both.fields.topViolations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'Order Completed', field: 'properties.revenue', kind: 'type', message: 'properties.revenue: expected number, got string', count: 1, sampleMessageId: 'm-bad-1' }),
      ]),
    );
    expect(both.conditions).toEqual([expect.objectContaining({ type: 'EventsFlowing', status: 'True', reason: 'EventsReceived' })]);
    expect(feed.statusFor('TrackingPlan', 'shop', 'storefront')?.fields).toEqual({ violations: 2 });

    // Pod B vanishes without a final snapshot (its connection is gone): after three of its
    // intervals its violations stop counting; what it received stays in the window.
    await chanB.close();
    await podB.stop();
    a.stats.received = a.stats.accepted = 12;
    const gone = await waitFor(
      () => {
        feed.tick();
        const s = feed.statusFor('Source', 'shop', 'web');
        return s?.fields.received === 17 && s.fields.topViolations?.length === 0 ? s : undefined;
      },
      { timeoutMs: 10_000, what: 'pod b no longer counted' },
    );
    expect(gone.fields.received).toBe(17);
    expect(feed.statusFor('TrackingPlan', 'shop', 'storefront')?.fields).toEqual({ violations: 0 });

    // A snapshot far over the limits arrives cut to size.
    const big = await channel('pod-big');
    const many = Array.from({ length: 200 }, (_, i) => ({
      event: `Event ${i} ${'x'.repeat(400)}`, field: `properties.f${i}`, kind: 'type', message: `${EMAIL} ${'y'.repeat(1_000)}`, count: 200 - i, lastSeen: now, sampleMessageId: `m-${i}`,
    }));
    await big.publish({
      v: 1, kind: 'source', name: 'big', namespace: 'shop', pod: 'ingest-big', at: now, windowStart: now, intervalMs: 1_000,
      counters: { received: 1, accepted: 1, duplicates: 0, blocked: 0, rejected: 0, failed: 0 }, violations: many, violationCount: 20_100,
    });
    const bigStatus = await waitFor(
      () => {
        feed.tick();
        return feed.statusFor('Source', 'shop', 'big');
      },
      { timeoutMs: 5_000, what: 'the big snapshot' },
    );
    expect(bigStatus.fields.topViolations?.length).toBeLessThanOrEqual(SNAPSHOT_LIMITS.maxViolations);
    expect(bigStatus.fields.topViolations?.[0]?.count).toBe(200);

    await podA.stop();
    await feed.stop();
    expect(wire.length).toBeGreaterThan(4);
    for (const data of wire) {
      expect(data.byteLength).toBeLessThanOrEqual(SNAPSHOT_LIMITS.maxBytes);
      const text = Buffer.from(data).toString('utf8');
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(SECRET);
    }
  }, 40_000);
});
