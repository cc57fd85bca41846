import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { FAST_DELIVERY, pipeline, publishBatches, trackEvents, waitFor } from '../support/index.ts';

const h = useHarness({ scope: 'each' });
const agent = new Agent({ keepAlive: true, maxSockets: 4 });
afterAll(() => agent.destroy());

const EVENTS = 3000;

describe('durability across SIGKILL', () => {
  it('delivers every acknowledged event exactly once after a crash while the destination was down', async () => {
    const writeKey = `wk-dur-${randomUUID()}`;
    const receiver = await h.receiver({ behaviour: { kind: 'fail', status: 503 } });
    const first = await h.sluice({ manifests: pipeline({ writeKey, webhookUrl: receiver.url }) });

    const events = trackEvents(EVENTS, 'dur');
    const sent = await publishBatches(first.url, writeKey, events, { agent });
    expect(sent.failures).toEqual([]);
    expect(sent.acked).toHaveLength(EVENTS);
    // An SDK that lost the answers sends the same batches again: stored once, delivered once.
    const resent = await publishBatches(first.url, writeKey, events.slice(0, 500), { agent });
    expect(resent.acked).toHaveLength(500);
    // Delivery has been trying (and failing) when the process dies.
    await waitFor(() => receiver.requests.length >= 3, { what: 'delivery attempts against the failing receiver' });
    expect(receiver.deliveredCount).toBe(0);

    const killed = await first.kill9();
    expect(killed.signal).toBe('SIGKILL');
    receiver.setBehaviour({ kind: 'ok' });
    const second = await h.sluice({ manifests: first.manifestsDir, dataDir: first.dataDir });

    await receiver.waitForDelivered(sent.acked, 60_000);
    const acked = new Set(sent.acked);
    const unexpected = [...receiver.deliveredIds()].filter((id) => !acked.has(id));
    console.log(`durability (destination down): acknowledged ${acked.size}, delivered ${receiver.deliveredCount}, duplicates ${receiver.duplicates}`);
    expect(unexpected).toEqual([]);
    expect(receiver.deliveredCount).toBe(acked.size);
    expect(receiver.duplicates).toBe(0);
    // Delivered and acknowledged on the bus: nothing left to come again (lag is sampled every few seconds).
    await waitFor(async () => (await second.status()).destinations['web-hook']?.lag === 0, { timeoutMs: 15_000, what: 'destination lag 0' });
    expect(receiver.duplicates).toBe(0);
  });

  it('loses nothing when killed mid-delivery; redelivers at most the batches in flight', async () => {
    const writeKey = `wk-dur-${randomUUID()}`;
    const receiver = await h.receiver({ behaviour: { kind: 'slow', delayMs: 30 } });
    const first = await h.sluice({ manifests: pipeline({ writeKey, webhookUrl: receiver.url }) });

    const sent = await publishBatches(first.url, writeKey, trackEvents(2000, 'mid'), { agent });
    expect(sent.acked).toHaveLength(2000);
    await waitFor(() => receiver.deliveredCount >= 300, { what: 'some events delivered before the crash', timeoutMs: 30_000 });
    await first.kill9();
    const atCrash = receiver.deliveredCount;
    expect(atCrash).toBeLessThan(2000);

    receiver.setBehaviour({ kind: 'ok' });
    await h.sluice({ manifests: first.manifestsDir, dataDir: first.dataDir });
    await receiver.waitForDelivered(sent.acked, 60_000);
    console.log(`durability (killed mid-delivery): delivered before the crash ${atCrash}, total ${receiver.deliveredCount}, duplicates ${receiver.duplicates}`);
    expect(receiver.deliveredCount).toBe(2000);
    // At-least-once: only what was in flight at the crash may come twice.
    expect(receiver.duplicates).toBeLessThanOrEqual(FAST_DELIVERY.batchSize * FAST_DELIVERY.maxInFlight);
  });
});
