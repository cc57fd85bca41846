import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../../test/support/receiver.ts';
import { sleep, waitFor } from '../../../test/support/wait.ts';
import type { DestinationRuntime } from '../config.ts';
import { DESTINATIONS } from './destinations/index.ts';
import { startRig, trackEvents, webhookDestination, type Rig } from './testing.ts';
import { DeliveryError, type DestinationType, type SendResult } from './types.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function receiver(opts: Parameters<typeof startReceiver>[0] = {}): Promise<Receiver> {
  const r = await startReceiver(opts);
  cleanup.push(() => r.close());
  return r;
}
async function rig(...args: Parameters<typeof startRig>): Promise<Rig> {
  const r = await startRig(...args);
  cleanup.push(() => r.close());
  return r;
}
function counter(r: Rig, labels: Record<string, string>): Promise<number> {
  return r.metrics.registry
    .getSingleMetric('sluice_delivery_events_total')!
    .get()
    .then((m) => m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0));
}

describe('delivery engine on the embedded bus', () => {
  it('retries through a 503 outage and delivers every event exactly once', async () => {
    const hook = await receiver({ behaviour: { kind: 'fail', status: 503, forMs: 400 } });
    const r = await rig([webhookDestination('hook', hook.url)]);
    const events = trackEvents(300);
    await r.bus.publish('web', events);
    await hook.waitForDelivered(events.map((e) => e.messageId), 10_000);
    expect(hook.requests.some((q) => q.status === 503)).toBe(true);
    expect(hook.deliveredCount).toBe(300);
    expect(hook.duplicates).toBe(0);
    const s = await waitFor(() => {
      const st = r.delivery.stats().hook;
      return st && st.delivered === 300 && st.retrying === 0 && st.lag === 0 ? st : undefined;
    });
    expect(s.failed).toBeGreaterThan(0);
    expect(s.deadLettered).toBe(0);
    expect(s.lastError?.code).toBe('503');
    expect(await r.bus.listDeadLetters('hook')).toHaveLength(0);
    expect(await counter(r, { destination: 'hook', result: 'delivered' })).toBe(300);
  });

  it('dead-letters events rejected with 400 at once, with the status and a redacted body excerpt', async () => {
    const body = JSON.stringify({ error: 'invalid pixel id 123', echoed: 'tok-secret-1', pad: 'x'.repeat(1000) });
    const hook = await receiver({ behaviour: { kind: 'fail', status: 400, body } });
    const dest = webhookDestination('hook', hook.url, {}, { token: 'tok-secret-1' });
    dest.spec.settings = { url: hook.url, batch: true, headersFromSecret: { Authorization: 'token' } };
    const r = await rig([dest]);
    const events = trackEvents(20);
    await r.bus.publish('web', events);
    const dead = await waitFor(async () => {
      const d = await r.bus.listDeadLetters('hook');
      return d.length === 20 ? d : undefined;
    });
    for (const e of dead) {
      expect(e.status).toBe(400);
      expect(e.attempts).toBe(1);
      expect(e.bodyExcerpt).toContain('invalid pixel id 123');
      expect(e.bodyExcerpt).not.toContain('tok-secret-1');
      expect(e.bodyExcerpt!.length).toBeLessThanOrEqual(512);
      expect(e.reason).toMatch(/^payload: /);
    }
    for (const e of events) expect(hook.attempts(e.messageId)).toBe(1);
    const s = r.delivery.stats().hook!;
    expect(s.deadLettered).toBe(20);
    expect(s.lastError?.code).toBe('400');
    expect(s.lastError?.message).not.toContain('tok-secret-1');
    expect(await counter(r, { destination: 'hook', result: 'dead_lettered', reason: 'payload' })).toBe(20);
    await waitFor(() => r.delivery.stats().hook?.lag === 0, { what: 'dead-lettered events acked' });
  });

  it('waits as long as Retry-After asks, beyond backoff.max', async () => {
    const hook = await receiver({ behaviour: { kind: 'fail', status: 429, headers: { 'retry-after': '1' }, forRequests: 1 } });
    const r = await rig([webhookDestination('hook', hook.url)]);
    const events = trackEvents(5);
    await r.bus.publish('web', events);
    await hook.waitForDelivered(events.map((e) => e.messageId), 10_000);
    const [throttled, retried] = hook.requests;
    expect(throttled?.status).toBe(429);
    expect(retried?.status).toBe(200);
    expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries only the failed events of a partly failed batch', async () => {
    const calls: string[][] = [];
    const failed = new Set<string>();
    const partial: DestinationType = {
      type: 'partial',
      description: 'fails every third event on its first attempt',
      settingsSchema: Type.Object({}),
      create: () => ({
        send: (batch) => {
          calls.push(batch.map((e) => e.messageId));
          return Promise.resolve(
            batch.map((e, i): SendResult => {
              if (i % 3 !== 0 || failed.has(e.messageId)) return { ok: true };
              failed.add(e.messageId);
              return { ok: false, error: new DeliveryError('item rejected, try again', { kind: 'retryable', status: 503 }) };
            }),
          );
        },
      }),
    };
    const dest = webhookDestination('partial', 'http://unused');
    dest.spec = { ...dest.spec, type: 'partial' as 'webhook', settings: {} };
    const r = await rig([dest], { delivery: { types: [...DESTINATIONS, partial] } });
    const events = trackEvents(30);
    await r.bus.publish('web', events);
    await waitFor(() => r.delivery.stats().partial?.delivered === 30, { what: '30 delivered' });
    const sent = calls.flat();
    expect(sent).toHaveLength(30 + failed.size);
    for (const e of events) expect(sent.filter((id) => id === e.messageId)).toHaveLength(failed.has(e.messageId) ? 2 : 1);
    // The retries travelled without the events that had succeeded.
    const retryCalls = calls.slice(1);
    expect(retryCalls.flat().every((id) => failed.has(id))).toBe(true);
    expect(r.delivery.stats().partial).toMatchObject({ delivered: 30, failed: failed.size, deadLettered: 0 });
  });

  it('skips events by integrations, consent and filter, counting each reason', async () => {
    const hook = await receiver();
    const dest = webhookDestination('hook', hook.url, {
      filter: 'type == "track" && event in ["Order Completed"]',
      consent: { categories: ['analytics'] },
    });
    const r = await rig([dest]);
    const granted = { consent: { categoryPreferences: { analytics: true } } };
    const events = [
      ...trackEvents(3, 'ok', { context: granted }),
      ...trackEvents(2, 'no-consent-object'),
      ...trackEvents(2, 'all-off', { integrations: { All: false } }),
      ...trackEvents(1, 'all-off-but-named', { integrations: { All: false, hook: true } }),
      ...trackEvents(1, 'display-name-off', { integrations: { Webhook: false } }),
      ...trackEvents(2, 'denied', { context: { consent: { categoryPreferences: { analytics: false } } } }),
      ...trackEvents(2, 'other-event', { event: 'Product Viewed' }),
      { type: 'identify' as const, messageId: 'identify-0', userId: 'u', traits: {}, timestamp: '2024-01-01T00:00:00Z', receivedAt: '2024-01-01T00:00:00Z' },
    ];
    await r.bus.publish('web', events);
    const s = await waitFor(() => {
      const st = r.delivery.stats().hook;
      return st && st.delivered + st.filtered === events.length ? st : undefined;
    });
    expect(s.filteredBy).toEqual({ integrations: 3, consent: 2, filter: 3, mapping: 0 });
    expect(s.delivered).toBe(6);
    expect([...hook.deliveredIds()].sort()).toEqual(['all-off-but-named-0', 'no-consent-object-0', 'no-consent-object-1', 'ok-0', 'ok-1', 'ok-2']);
    expect(await counter(r, { destination: 'hook', result: 'filtered', reason: 'filter' })).toBe(3);
    await waitFor(() => r.delivery.stats().hook?.lag === 0, { what: 'filtered events acked' });
  });

  it('dead-letters a failing event once it is older than maxAge', async () => {
    const hook = await receiver({ behaviour: { kind: 'fail', status: 502 } });
    const r = await rig([webhookDestination('hook', hook.url, { delivery: { maxAge: '400ms', backoff: { initial: '20ms', max: '80ms' }, timeout: '1s' } })]);
    const events = trackEvents(3);
    await r.bus.publish('web', events);
    const dead = await waitFor(async () => {
      const d = await r.bus.listDeadLetters('hook');
      return d.length === 3 ? d : undefined;
    });
    for (const e of dead) {
      expect(e.reason).toMatch(/^gave up after \d+ attempts over maxAge 400ms: .*answered 502/);
      expect(e.status).toBe(502);
      expect(e.attempts).toBeGreaterThan(2);
    }
    expect(hook.deliveredCount).toBe(0);
    const s = r.delivery.stats().hook!;
    expect(s.deadLettered).toBe(3);
    expect(s.retrying).toBe(0);
    expect(await counter(r, { destination: 'hook', result: 'dead_lettered', reason: 'max_age' })).toBe(3);
  });

  it('keeps a destination that is down from holding back another', async () => {
    const stuck = await receiver({ behaviour: { kind: 'hold' } });
    const fine = await receiver();
    const r = await rig([webhookDestination('stuck', stuck.url, { delivery: { timeout: '5s', maxInFlight: 1 } }), webhookDestination('fine', fine.url)]);
    const events = trackEvents(500);
    await r.bus.publish('web', events);
    await fine.waitForDelivered(500, 5000);
    expect(stuck.deliveredCount).toBe(0);
    stuck.setBehaviour({ kind: 'ok' });
    await stuck.waitForDelivered(500, 10_000);
  });

  it('finishes requests in flight on stop and acks nothing it did not deliver', async () => {
    const hook = await receiver({ behaviour: { kind: 'ok', delayMs: 300 } });
    const dest = webhookDestination('hook', hook.url, { delivery: { batchSize: 10, maxInFlight: 2, timeout: '5s' } });
    const r = await rig([dest]);
    await r.bus.publish('web', trackEvents(100, 'drain'));
    await waitFor(() => hook.requests.length > 0 || r.delivery.stats().hook!.delivered > 0 || undefined, { what: 'a request under way' }).catch(() => undefined);
    await sleep(100);
    await r.delivery.stop();
    const deliveredBeforeStop = hook.deliveredCount;
    expect(deliveredBeforeStop).toBeGreaterThan(0);
    expect(deliveredBeforeStop).toBeLessThan(100);
    expect(r.delivery.stats().hook!.delivered).toBe(deliveredBeforeStop);
    // A fresh engine on the same bus picks up exactly the rest.
    hook.setBehaviour({ kind: 'ok' });
    const again = await rigOnBus(r, [dest]);
    await hook.waitForDelivered(100, 10_000);
    expect(hook.duplicates).toBe(0);
    await again.stop();
  });

  it('aborts requests that outlast the stop timeout and hands their events back', async () => {
    const hook = await receiver({ behaviour: { kind: 'hold' } });
    const dest = webhookDestination('hook', hook.url, { delivery: { timeout: '10s', maxInFlight: 1 } });
    const r = await rig([dest], { delivery: { stopTimeoutMs: 100 } });
    const events = trackEvents(10);
    await r.bus.publish('web', events);
    await sleep(200);
    const t0 = Date.now();
    await r.delivery.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.delivery.stats().hook).toMatchObject({ delivered: 0, failed: 0, deadLettered: 0 });
    const fresh = await receiver();
    const again = await rigOnBus(r, [webhookDestination('hook', fresh.url)]);
    await fresh.waitForDelivered(events.map((e) => e.messageId), 5000);
    await again.stop();
  });

  it('reloads: replaces a changed destination, adds and removes others, losing nothing', async () => {
    const first = await receiver();
    const second = await receiver();
    const file = await receiver();
    const r = await rig([webhookDestination('hook', first.url), webhookDestination('gone', file.url)]);
    await r.bus.publish('web', trackEvents(50, 'before'));
    await first.waitForDelivered(50, 5000);
    await r.delivery.reload([webhookDestination('hook', second.url), webhookDestination('added', file.url, { startFrom: 'now' })]);
    expect(Object.keys(r.delivery.stats()).sort()).toEqual(['added', 'hook']);
    const after = trackEvents(50, 'after');
    await r.bus.publish('web', after);
    await second.waitForDelivered(after.map((e) => e.messageId), 5000);
    expect(first.deliveredCount).toBe(50);
    expect(second.deliveredCount).toBe(50);
    expect(second.duplicates + first.duplicates).toBe(0);
    // "added" starts at now: only the later events.
    await waitFor(() => r.delivery.stats().added?.delivered === 50, { what: 'added delivered 50' });
    // Reloading the same spec keeps the worker (and its counters).
    await r.delivery.reload([webhookDestination('hook', second.url), webhookDestination('added', file.url, { startFrom: 'now' })]);
    expect(r.delivery.stats().hook!.delivered).toBe(100);
  });

  it('reports a destination whose spec does not compile without stopping the others', async () => {
    const hook = await receiver();
    const r = await rig([webhookDestination('broken', hook.url, { filter: 'type ==' }), webhookDestination('hook', hook.url)]);
    expect(r.delivery.stats().broken).toMatchObject({ state: 'invalid', lastError: { code: 'InvalidSpec' } });
    expect(r.delivery.stats().broken!.lastError!.message).toContain('filter: compiling CEL expression');
    await r.bus.publish('web', trackEvents(5));
    await hook.waitForDelivered(5, 5000);
  });

  it('appends events to a file destination as JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-file-'));
    cleanup.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const path = join(dir, 'out', 'events.jsonl');
    const dest: DestinationRuntime = { name: 'local', credentials: {}, spec: { sources: [{ name: 'web' }], type: 'file', settings: { path }, startFrom: '1h' } };
    const r = await rig([dest]);
    const events = trackEvents(250);
    await r.bus.publish('web', events);
    await waitFor(() => r.delivery.stats().local?.delivered === 250, { what: '250 written' });
    const ids = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { messageId: string }).messageId);
    expect(ids.sort()).toEqual(events.map((e) => e.messageId).sort());
  });

  it('publishes the queue depth per destination', async () => {
    const hook = await receiver({ behaviour: { kind: 'hold' } });
    const r = await rig([webhookDestination('hook', hook.url, { delivery: { maxInFlight: 1, batchSize: 10, timeout: '5s' } })]);
    await r.bus.publish('web', trackEvents(40));
    await waitFor(() => r.delivery.stats().hook?.lag === 40, { what: 'lag 40' });
    const gauge = await r.metrics.registry.getSingleMetric('sluice_delivery_queue_depth')!.get();
    expect(gauge.values.find((v) => v.labels.destination === 'hook')?.value).toBe(40);
    hook.setBehaviour({ kind: 'ok' });
    await waitFor(() => r.delivery.stats().hook?.lag === 0, { what: 'lag 0' });
  });
});

/** A second engine on the rig's bus, as after a restart. */
async function rigOnBus(r: Rig, destinations: DestinationRuntime[]) {
  const { createDelivery } = await import('./engine.ts');
  const d = createDelivery({ bus: r.bus, metrics: r.metrics, destinations, log: () => undefined, fetchWaitMs: 50, lagIntervalMs: 100 });
  await d.start();
  return d;
}
