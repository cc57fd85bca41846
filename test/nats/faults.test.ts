import { afterEach, describe, expect, it } from 'vitest';
import { event } from '../../runtime/src/bus/contract.ts';
import { openNatsBus, type NatsBus } from '../../runtime/src/bus/nats/index.ts';
import { BusError, type BusDelivery, type Subscription } from '../../runtime/src/bus/types.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { startNatsServer, type NatsServer } from './server.ts';

const HOUR = 3_600_000;
const REQUEST_TIMEOUT = 2_000;

/** Each test owns a server it stops, restarts or kills. */
describe('NATS bus under server faults', () => {
  let server: NatsServer | undefined;
  let bus: NatsBus | undefined;

  afterEach(async () => {
    await bus?.close();
    await server?.close();
    bus = undefined;
    server = undefined;
  });

  async function setUp(): Promise<{ server: NatsServer; bus: NatsBus }> {
    server = await startNatsServer();
    bus = await openNatsBus({ servers: server.url, prefix: 'F', requestTimeoutMs: REQUEST_TIMEOUT });
    await bus.ensureSource('web', { retentionMs: HOUR });
    return { server, bus };
  }

  it('fails fast with unavailable while the server is down, and works again once it is back', async () => {
    const { server, bus } = await setUp();
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 5_000 });
    await server.stop();
    await waitFor(() => !bus.connected, { what: 'the bus to notice the server is gone' });
    const started = Date.now();
    await expect(bus.publish('web', [event('a')])).rejects.toSatisfy(isBusError('unavailable'));
    await expect(sub.fetch(10, 5_000)).rejects.toSatisfy(isBusError('unavailable'));
    await expect(sub.lag()).rejects.toSatisfy(isBusError('unavailable'));
    await expect(bus.ensureSource('other', { retentionMs: HOUR })).rejects.toSatisfy(isBusError('unavailable'));
    expect(Date.now() - started).toBeLessThan(500);

    await server.start();
    await waitFor(() => bus.connected, { timeoutMs: 15_000, what: 'the bus to reconnect' });
    expect(await bus.publish('web', [event('a')])).toEqual({ stored: 1, duplicates: 0 });
    expect((await sub.fetch(10, 3_000)).map((d) => d.event.messageId)).toEqual(['a']);
  });

  it('fails a fetch waiting for events when the connection drops, instead of hanging', async () => {
    const { server, bus } = await setUp();
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 5_000 });
    const pending = sub.fetch(10, 60_000);
    await sleep(200);
    const started = Date.now();
    // Handled from now on: the fetch may fail before kill9() has seen the process exit.
    const failed = expect(pending).rejects.toSatisfy(isBusError('unavailable'));
    await server.kill9();
    await failed;
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  for (const fault of ['restart', 'kill9'] as const) {
    it(`never resolves a publish without storing it while the server ${fault === 'restart' ? 'restarts' : 'is killed with SIGKILL'}`, async () => {
      const { server, bus } = await setUp();
      const acked: string[] = [];
      let failed = 0;
      let slowest = 0;
      let stop = false;
      let next = 0;
      const publisher = async (): Promise<void> => {
        while (!stop) {
          const batch = Array.from({ length: 50 }, () => event(`m${next++}`));
          const started = Date.now();
          try {
            await bus.publish('web', batch);
            acked.push(...batch.map((e) => e.messageId));
          } catch (error) {
            if (!(error instanceof BusError) || error.kind !== 'unavailable') throw error;
            failed++;
            await sleep(20);
          } finally {
            slowest = Math.max(slowest, Date.now() - started);
          }
        }
      };
      const publishers = Array.from({ length: 4 }, publisher);
      await waitFor(() => acked.length >= 2_000, { what: 'publishing to get going' });
      if (fault === 'restart') await server.restart();
      else {
        await server.kill9();
        await server.start();
      }
      await waitFor(() => bus.connected, { timeoutMs: 15_000, what: 'the bus to reconnect' });
      const ackedBefore = acked.length;
      await waitFor(() => acked.length >= ackedBefore + 2_000, { timeoutMs: 15_000, what: 'publishing to resume' });
      stop = true;
      await Promise.all(publishers);

      const stored = new Set((await drain(await fromStart(bus))).map((d) => d.event.messageId));
      const missing = acked.filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
      expect(failed).toBeGreaterThan(0);
      expect(slowest).toBeLessThan(REQUEST_TIMEOUT + 1_000);
    });
  }

  it('keeps every acknowledged event when the server is killed with SIGKILL right after the acks', async () => {
    const { server, bus } = await setUp();
    const ids: string[] = [];
    for (let b = 0; b < 20; b++) {
      const batch = Array.from({ length: 100 }, (_, i) => event(`k${b}-${i}`));
      expect(await bus.publish('web', batch)).toEqual({ stored: 100, duplicates: 0 });
      ids.push(...batch.map((e) => e.messageId));
    }
    await server.kill9();
    await server.start();
    await waitFor(() => bus.connected, { timeoutMs: 15_000, what: 'the bus to reconnect' });
    const stored = (await drain(await fromStart(bus))).map((d) => d.event.messageId);
    expect(stored).toEqual(ids);
    // The de-duplication window is rebuilt from the store, so a retried batch is not stored twice.
    expect(await bus.publish('web', [event('k0-0'), event('k19-99')])).toEqual({ stored: 0, duplicates: 2 });
  });

  it('resumes consumers after a server restart: unacked events come again, acked ones do not', async () => {
    const { server, bus } = await setUp();
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    await bus.publish('web', ['a', 'b', 'c', 'd'].map((id) => event(id)));
    const first = await sub.fetch(10, 3_000);
    expect(first.map((d) => d.event.messageId)).toEqual(['a', 'b', 'c', 'd']);
    await Promise.all(first.slice(0, 2).map((d) => d.ack()));

    await server.restart();
    await waitFor(() => bus.connected, { timeoutMs: 15_000, what: 'the bus to reconnect' });
    await bus.publish('web', [event('e')]);
    const again = await collect(sub, 3, 10_000);
    expect(again.map((d) => d.event.messageId).sort()).toEqual(['c', 'd', 'e']);
    expect(again.find((d) => d.event.messageId === 'c')!.attempt).toBeGreaterThanOrEqual(2);
    await Promise.all(again.map((d) => d.ack()));
    expect(await sub.lag()).toBe(0);
    expect(await sub.fetch(10, 1_500)).toEqual([]);
  });
});

function isBusError(kind: BusError['kind']) {
  return (e: unknown): boolean => e instanceof BusError && e.kind === kind;
}

function fromStart(bus: NatsBus): Promise<Subscription> {
  return bus.subscribe(`audit-${Date.now()}`, 'web', { startFrom: { kind: 'time', time: new Date(0) }, ackWaitMs: 30_000 });
}

/** Fetches and acks everything there is, in order. */
async function drain(sub: Subscription): Promise<BusDelivery[]> {
  const out: BusDelivery[] = [];
  for (;;) {
    const got = await sub.fetch(1_000, 500);
    if (got.length === 0) return out;
    await Promise.all(got.map((d) => d.ack()));
    out.push(...got);
  }
}

/** Fetches until `n` events arrived or `ms` passed, riding out `unavailable` while the bus reconnects. */
async function collect(sub: Subscription, n: number, ms: number): Promise<BusDelivery[]> {
  const out: BusDelivery[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n && Date.now() < deadline) {
    try {
      out.push(...(await sub.fetch(n - out.length, Math.max(1, deadline - Date.now()))));
    } catch (error) {
      if (!(error instanceof BusError) || error.kind !== 'unavailable') throw error;
      await sleep(100);
    }
  }
  return out;
}
