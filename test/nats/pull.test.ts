import type { Msg } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { event } from '../../runtime/src/bus/contract.ts';
import { openNatsBus, type NatsBus } from '../../runtime/src/bus/nats/index.ts';
import { PULL_GRACE_MS } from '../../runtime/src/bus/nats/decide.ts';
import { Link } from '../../runtime/src/bus/nats/link.ts';
import { pull, type PullResult } from '../../runtime/src/bus/nats/pull.ts';
import type { Subscription } from '../../runtime/src/bus/types.ts';
import { sleep } from '../support/wait.ts';
import { startNatsServer, type NatsServer } from './server.ts';

const HOUR = 3_600_000;
const REQUEST_TIMEOUT = 2_000;
const now = { startFrom: { kind: 'now' as const }, ackWaitMs: 30_000 };

/**
 * Pull requests nats-server leaves unanswered (2.9: no 408, no heartbeat, nothing): a read
 * must end shortly after the server should have answered, not after the request timeout,
 * and no event may wait out the ack wait because of it.
 */
describe('NATS pulls the server leaves unanswered', () => {
  let server: NatsServer | undefined;
  let bus: NatsBus | undefined;

  afterEach(async () => {
    server?.resume();
    await bus?.close();
    await server?.close();
    bus = undefined;
    server = undefined;
  });

  async function setUp(maxAckPending?: number): Promise<{ server: NatsServer; bus: NatsBus; sub: Subscription }> {
    server = await startNatsServer();
    bus = await openNatsBus({ servers: server.url, prefix: 'P', requestTimeoutMs: REQUEST_TIMEOUT, ...(maxAckPending ? { maxAckPending } : {}) });
    await bus.ensureSource('web', { retentionMs: HOUR });
    const sub = await bus.subscribe('hook', 'web', now);
    return { server, bus, sub };
  }

  async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await p;
    return { value, ms: performance.now() - started };
  }

  it('answers a fetch at once when max_ack_pending stops the server part-way through or before a batch', async () => {
    const { bus, sub } = await setUp(3);
    await bus.publish('web', ['a', 'b', 'c', 'd', 'e'].map((id) => event(id)));

    // The server sends 3 of the 10 and then nothing at all, not even a 408.
    const first = await timed(sub.fetch(10, 0));
    expect(first.value.map((d) => d.event.messageId)).toEqual(['a', 'b', 'c']);
    expect(first.ms).toBeLessThan(1_000);

    // At the limit a no_wait pull of fewer than are pending is queued and never answered.
    const atLimit = await timed(sub.fetch(1, 0));
    expect(atLimit.value).toEqual([]);
    expect(atLimit.ms).toBeLessThan(1_000);

    const waiting = await timed(sub.fetch(10, 300));
    expect(waiting.value).toEqual([]);
    expect(waiting.ms).toBeLessThan(1_300);

    await Promise.all(first.value.map((d) => d.ack()));
    const rest = await timed(sub.fetch(10, 2_000));
    expect(rest.value.map((d) => d.event.messageId)).toEqual(['d', 'e']);
    expect(rest.ms).toBeLessThan(1_000);
  });

  it('ends pulls the server forgets after their expiry within the grace, and loses no event to them', async () => {
    // Frozen across a pull's expiry, the server finds on waking both the expiry due and a new
    // event ready; 2.9 picks either at random per consumer and, taking the event, drops the
    // expired pull without a word. Consumers × rounds make that near certain to happen.
    server = await startNatsServer();
    const link = await Link.open({ servers: server.url, name: 'test-pull', requestTimeoutMs: REQUEST_TIMEOUT, connectTimeoutMs: REQUEST_TIMEOUT });
    try {
      const consumers = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
      await link.jsm.streams.add({ name: 'S', subjects: ['s'] });
      for (const c of consumers) await link.jsm.consumers.add('S', { durable_name: c, ack_policy: 'explicit', ack_wait: 30_000_000_000 });
      const published: string[] = [];
      const received = new Map(consumers.map((c) => [c, [] as string[]]));
      const take = (consumer: string, msgs: Msg[]): void => {
        for (const m of msgs) {
          received.get(consumer)!.push(m.string());
          if (m.reply) link.nc.publish(m.reply, '+ACK');
        }
      };
      const pullOne = (consumer: string, waitMs: number): Promise<PullResult> => pull(link, 'pulling', { stream: 'S', consumer, batch: 10, waitMs });
      let silent = 0;
      for (let round = 0; round < 8; round++) {
        const pulled = consumers.map((c) => pullOne(c, 100));
        await link.nc.flush();
        server.pause();
        await sleep(150);
        published.push(`r${round}`);
        link.nc.publish('s', `r${round}`);
        await sleep(10);
        const resumedAt = performance.now();
        server.resume();
        const results = await Promise.all(pulled);
        const ms = performance.now() - resumedAt;
        expect(ms, `round ${round}: the pulls ended ${Math.round(ms)} ms after the server woke`).toBeLessThan(PULL_GRACE_MS + 500);
        results.forEach((r, i) => {
          if (r.silent) silent++;
          take(consumers[i]!, r.msgs);
        });
      }
      for (const c of consumers) {
        const deadline = performance.now() + 3_000;
        while (received.get(c)!.length < published.length && performance.now() < deadline) take(c, (await pullOne(c, 500)).msgs);
        expect(received.get(c)!.sort(), `what ${c} got`).toEqual([...published].sort());
      }
      // Not asserted (servers from 2.9.15 answer every pull): what the rounds exercised.
      console.info(`${silent} of ${8 * consumers.length} pulls went unanswered by nats-server`);
    } finally {
      await link.close();
    }
  });
});
