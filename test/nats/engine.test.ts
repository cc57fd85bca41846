import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { event } from '../../runtime/src/bus/contract.ts';
import { openNatsBus, type NatsBus } from '../../runtime/src/bus/nats/index.ts';
import { token } from '../../runtime/src/bus/nats/names.ts';
import type { BusDelivery, Subscription } from '../../runtime/src/bus/types.ts';
import { freePort } from '../support/ports.ts';
import { startNatsServer, type NatsServer } from './server.ts';
import { deleteStreams } from './streams.ts';

const HOUR = 3_600_000;

/** What the NATS engine does beyond the shared contract: its layout on the server and its edges. */
describe('NATS bus engine', () => {
  let server: NatsServer;
  let bus: NatsBus;
  let prefix: string;
  const logged: string[] = [];

  beforeAll(async () => {
    server = await startNatsServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  afterEach(async () => {
    await bus?.close();
    await deleteStreams(server.url, prefix);
    logged.length = 0;
  });

  async function open(): Promise<NatsBus> {
    prefix = `E${randomUUID().slice(0, 8)}`;
    bus = await openNatsBus({ servers: server.url, prefix, log: (level, message) => logged.push(`${level}: ${message}`) });
    return bus;
  }

  it('refuses to open with a bad prefix or option, and fails fast when nothing listens', async () => {
    await expect(openNatsBus({ servers: server.url, prefix: 'a.b' })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(openNatsBus({ servers: server.url, replicas: 0 })).rejects.toMatchObject({ kind: 'invalid', message: /replicas must be an integer from 1 to 5/ });
    const started = Date.now();
    await expect(openNatsBus({ servers: `nats://127.0.0.1:${await freePort()}`, connectTimeoutMs: 2_000 })).rejects.toMatchObject({ kind: 'unavailable', message: /connecting to NATS/ });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  const now = { startFrom: { kind: 'now' as const }, ackWaitMs: 30_000 };

  it('answers a fetch at once when every event is handed out and none is acknowledged yet', async () => {
    const bus = await open();
    await bus.ensureSource('web', { retentionMs: HOUR });
    const sub = await bus.subscribe('hook', 'web', now);
    await bus.publish('web', [event('a'), event('b')]);
    expect((await collectIds(sub, 2, 3_000)).sort()).toEqual(['a', 'b']);
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      expect(await sub.fetch(10, 0)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  });

  it('carries names with dots, capitals and the full 253 characters end to end', async () => {
    const bus = await open();
    const source = `web.eu-${'x'.repeat(246)}`;
    const destination = 'Hook.EU_1';
    expect(source).toHaveLength(253);
    await bus.ensureSource(source, { retentionMs: HOUR });
    await bus.ensureSource('web.eu', { retentionMs: HOUR });
    const sub = await bus.subscribe(destination, source, now);
    const other = await bus.subscribe(destination, 'web.eu', now);
    await bus.publish(source, [event('long')]);
    await bus.publish('web.eu', [event('short')]);
    expect((await sub.fetch(10, 3_000)).map((d) => [d.source, d.event.messageId])).toEqual([[source, 'long']]);
    expect((await other.fetch(10, 3_000)).map((d) => [d.source, d.event.messageId])).toEqual([['web.eu', 'short']]);
    await bus.deadLetter(destination, [{ source, event: event('long'), reason: 'HTTP 400', attempts: 1 }]);
    expect((await bus.listDeadLetters(destination)).map((d) => [d.source, d.event.messageId])).toEqual([[source, 'long']]);
    await bus.deleteSource(source);
    expect(await bus.listDeadLetters(destination)).toEqual([]);
    expect(await other.lag()).toBe(1);
  });

  it('leaves dead letters listed when the destination no longer reads their source, and lists the newest across the gaps replay leaves', async () => {
    const bus = await open();
    await bus.ensureSource('read', { retentionMs: HOUR });
    await bus.ensureSource('unread', { retentionMs: HOUR });
    const sub = await bus.subscribe('hook', 'read', now);
    for (let i = 1; i <= 5; i++) {
      await bus.deadLetter('hook', [{ source: 'read', event: event(`r${i}`), reason: 'x', attempts: 1 }]);
      await bus.deadLetter('hook', [{ source: 'unread', event: event(`u${i}`), reason: 'x', attempts: 1 }]);
    }
    expect(await bus.replayDeadLetters('hook')).toBe(5);
    expect((await bus.listDeadLetters('hook', { limit: 3 })).map((d) => d.event.messageId)).toEqual(['u5', 'u4', 'u3']);
    expect((await bus.listDeadLetters('hook')).map((d) => d.event.messageId)).toEqual(['u5', 'u4', 'u3', 'u2', 'u1']);
    expect(await sub.lag()).toBe(5);
    const replayed = await collect(sub, 5, 5_000);
    expect(replayed.map((d) => [d.source, d.event.messageId, d.attempt])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5'].map((id) => ['read', id, 1]));
    expect(await bus.replayDeadLetters('hook')).toBe(0);
  });

  it('drops replays still waiting for a destination when it is deleted', async () => {
    const bus = await open();
    await bus.ensureSource('web', { retentionMs: HOUR });
    await bus.subscribe('hook', 'web', now);
    await bus.deadLetter('hook', [{ source: 'web', event: event('dead'), reason: 'x', attempts: 1 }]);
    expect(await bus.replayDeadLetters('hook')).toBe(1);
    await bus.deleteDestination('hook');
    const again = await bus.subscribe('hook', 'web', now);
    expect(await again.lag()).toBe(0);
    expect(await again.fetch(10, 1_500)).toEqual([]);
  });

  it('applies a new ackWait to an existing consumer without moving it', async () => {
    const bus = await open();
    await bus.ensureSource('web', { retentionMs: HOUR });
    await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 60_000 });
    await bus.publish('web', [event('a')]);
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 500 });
    expect((await sub.fetch(10, 3_000)).map((d) => [d.event.messageId, d.attempt])).toEqual([['a', 1]]);
    expect((await collect(sub, 1, 5_000)).map((d) => [d.event.messageId, d.attempt])).toEqual([['a', 2]]);
  });

  it('terminates a message on a source subject that is not an event, with a warning, instead of redelivering it forever', async () => {
    const bus = await open();
    await bus.ensureSource('web', { retentionMs: HOUR });
    const sub = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 500 });
    const nc = await connect({ servers: server.url });
    try {
      await jetstream(nc).publish(`${prefix}.src.${token('web')}`, 'not json');
    } finally {
      await nc.close();
    }
    await bus.publish('web', [event('ok')]);
    const got = await collect(sub, 1, 3_000);
    expect(got.map((d) => d.event.messageId)).toEqual(['ok']);
    await got[0]!.ack();
    expect(logged.join('\n')).toMatch(/warn: reading web for hook: dropping an unreadable message/);
    // Terminated, not pending: it counts for no lag and never comes back.
    await expect.poll(() => sub.lag(), { timeout: 2_000 }).toBe(0);
    expect(await sub.fetch(10, 1_200)).toEqual([]);
  });

  it('refuses an event larger than the server takes, before sending anything', async () => {
    const bus = await open();
    await bus.ensureSource('web', { retentionMs: HOUR });
    const sub = await bus.subscribe('hook', 'web', now);
    const huge = event('huge', { blob: 'x'.repeat(1_100_000) });
    await expect(bus.publish('web', [event('small'), huge])).rejects.toMatchObject({ kind: 'invalid' });
    expect(await sub.lag()).toBe(0);
  });

  it('lets fetches of a closed subscription end at once with nothing', async () => {
    const bus = await open();
    await bus.ensureSource('web', { retentionMs: HOUR });
    const sub = await bus.subscribe('hook', 'web', now);
    const started = Date.now();
    const pending = sub.fetch(10, 30_000);
    setTimeout(() => void sub.close(), 100);
    expect(await pending).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(sub.fetch(10, 0)).rejects.toMatchObject({ kind: 'closed' });
  });
});

async function collect(s: Subscription, n: number, ms: number): Promise<BusDelivery[]> {
  const out: BusDelivery[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n && Date.now() < deadline) out.push(...(await s.fetch(n - out.length, Math.max(1, deadline - Date.now()))));
  return out;
}

async function collectIds(s: Subscription, n: number, ms: number): Promise<string[]> {
  return (await collect(s, n, ms)).map((d) => d.event.messageId);
}
