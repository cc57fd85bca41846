import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../event.ts';
import { BusError, type Bus, type BusDelivery, type Subscription } from './types.ts';

/** What an engine's test file hands the suite: a fresh bus per test. */
export interface BusUnderTest {
  bus: Bus;
  /** Closes the bus and opens it again on the same storage (a process restart). */
  reopen?: () => Promise<Bus>;
  /** Closes whatever is still open and removes the storage. */
  cleanup: () => Promise<void>;
}

const HOUR = 3_600_000;
/** Long enough that a loaded CI machine's scheduling stalls never pass for an expiry. */
const ACK_WAIT = 1_000;

/**
 * The behaviour every bus engine must show, registered as one vitest suite. Engines differ
 * in timing and numbering, so the suite never assumes contiguous sequence numbers, and its
 * time bounds are generous; names are unique per test so engines may share a server.
 */
export function busContract(name: string, open: () => Promise<BusUnderTest>): void {
  describe(`bus contract: ${name}`, () => {
    let t: BusUnderTest;
    let bus: Bus;
    let src: string;
    let dest: string;

    beforeEach(async () => {
      t = await open();
      bus = t.bus;
      src = unique('src');
      dest = unique('dest');
      await bus.ensureSource(src, { retentionMs: HOUR });
    });
    afterEach(async () => {
      await t.cleanup();
    });

    const sub = (destination = dest, source = src, startFrom: Date | 'now' = 'now', ackWaitMs = ACK_WAIT): Promise<Subscription> =>
      bus.subscribe(destination, source, { startFrom: startFrom === 'now' ? { kind: 'now' } : { kind: 'time', time: startFrom }, ackWaitMs });

    it('publishes, fetches in order and acks', async () => {
      const s = await sub();
      const events = [event('a'), event('b'), event('c')];
      const before = Date.now();
      expect(await bus.publish(src, events)).toEqual({ stored: 3, duplicates: 0 });
      const got = await s.fetch(10, 3_000);
      expect(got.map((d) => d.event)).toEqual(events);
      expect(got.map((d) => [d.source, d.attempt])).toEqual([[src, 1], [src, 1], [src, 1]]);
      expectIncreasing(got.map((d) => d.seq));
      for (const d of got) expect(d.storedAt).toBeGreaterThanOrEqual(before - 5_000);
      await ackAll(got);
      expect(await s.fetch(10, 300)).toEqual([]);
      expect(await s.lag()).toBe(0);
    });

    it('returns at most max events per fetch, continuing where the last one stopped', async () => {
      const s = await sub();
      await bus.publish(src, ids(7).map((id) => event(id)));
      const first = await s.fetch(3, 3_000);
      const second = await s.fetch(10, 3_000);
      expect(first.map(mid)).toEqual(['e0', 'e1', 'e2']);
      expect(second.map(mid)).toEqual(['e3', 'e4', 'e5', 'e6']);
    });

    it('rejects publishing to or subscribing to a source that was never ensured', async () => {
      await expect(bus.publish(unique('nosuch'), [event('x')])).rejects.toSatisfy(isBusError('unknown-source'));
      await expect(sub(dest, unique('nosuch'))).rejects.toSatisfy(isBusError('unknown-source'));
    });

    it('stores a messageId once per source', async () => {
      expect(await bus.publish(src, [event('a'), event('b'), event('a')])).toEqual({ stored: 2, duplicates: 1 });
      expect(await bus.publish(src, [event('b'), event('c')])).toEqual({ stored: 1, duplicates: 1 });
      const other = unique('src');
      await bus.ensureSource(other, { retentionMs: HOUR });
      expect(await bus.publish(other, [event('a')])).toEqual({ stored: 1, duplicates: 0 });
      const all = await drain(await sub(dest, src, new Date(0)));
      expect(all.map(mid)).toEqual(['a', 'b', 'c']);
    });

    it('redelivers a nak-ed event after its delay, not before, with the attempt counted', async () => {
      const s = await sub();
      await bus.publish(src, [event('a')]);
      const [d] = await s.fetch(10, 3_000);
      await d!.nak(1_000);
      const started = Date.now();
      expect(await s.fetch(10, 200)).toEqual([]);
      const again = await s.fetch(10, 5_000);
      expect(again.map((x) => [mid(x), x.attempt])).toEqual([['a', 2]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      await again[0]!.nak(0);
      expect((await s.fetch(10, 3_000)).map((x) => [mid(x), x.attempt])).toEqual([['a', 3]]);
    });

    it('redelivers an event not acked within ackWait', async () => {
      const s = await sub();
      await bus.publish(src, [event('a'), event('b')]);
      const first = await s.fetch(10, 3_000);
      const fetchedAt = Date.now();
      await first[1]!.ack();
      expect(await s.fetch(10, 150)).toEqual([]);
      const again = await s.fetch(10, 5_000);
      expect(again.map((x) => [mid(x), x.attempt])).toEqual([['a', 2]]);
      expect(Date.now() - fetchedAt).toBeGreaterThanOrEqual(ACK_WAIT / 2);
    });

    it('keeps unacked events across a restart and forgets acked ones', async (ctx) => {
      if (!t.reopen) return ctx.skip();
      let s = await sub();
      await bus.publish(src, [event('a'), event('b'), event('c')]);
      const got = await s.fetch(10, 3_000);
      await got[0]!.ack();
      bus = await t.reopen();
      s = await sub();
      const again = await collect(s, 2, 8_000);
      expect(again.map(mid).sort()).toEqual(['b', 'c']);
      for (const d of again) expect(d.attempt).toBeGreaterThanOrEqual(2);
      await ackAll(again);
      expect(await s.fetch(10, ACK_WAIT + 400)).toEqual([]);
      expect(await bus.publish(src, [event('a'), event('d')])).toEqual({ stored: 1, duplicates: 1 });
    });

    it('keeps two destinations of one source independent', async () => {
      const a = await sub('dest-a' + dest);
      const b = await sub('dest-b' + dest);
      await bus.publish(src, [event('x'), event('y')]);
      await ackAll(await a.fetch(10, 3_000));
      const fromB = await b.fetch(10, 3_000);
      expect(fromB.map((d) => [mid(d), d.attempt])).toEqual([['x', 1], ['y', 1]]);
      await fromB[0]!.nak(0);
      expect(await a.fetch(10, 300)).toEqual([]);
      expect((await b.fetch(10, 3_000)).map(mid)).toEqual(['x']);
      expect(await a.lag()).toBe(0);
    });

    it('feeds one destination from two sources separately', async () => {
      const other = unique('src');
      await bus.ensureSource(other, { retentionMs: HOUR });
      const s1 = await sub(dest, src);
      const s2 = await sub(dest, other);
      await bus.publish(src, [event('one')]);
      await bus.publish(other, [event('two')]);
      expect((await s1.fetch(10, 3_000)).map((d) => [d.source, mid(d)])).toEqual([[src, 'one']]);
      expect((await s2.fetch(10, 3_000)).map((d) => [d.source, mid(d)])).toEqual([[other, 'two']]);
    });

    it('starts a new consumer now or from a time, and resumes an existing one', async () => {
      await bus.publish(src, [event('old')]);
      await sleep(250);
      const mid1 = new Date();
      await sleep(250);
      await bus.publish(src, [event('newer')]);
      const fromNow = await sub('now' + dest);
      const fromMid = await sub('mid' + dest, src, mid1);
      const fromStart = await sub('all' + dest, src, new Date(Date.now() - HOUR));
      await bus.publish(src, [event('newest')]);
      expect((await collect(fromNow, 1, 3_000)).map(mid)).toEqual(['newest']);
      expect((await collect(fromMid, 2, 3_000)).map(mid)).toEqual(['newer', 'newest']);
      const first = await fromStart.fetch(1, 3_000);
      expect(first.map(mid)).toEqual(['old']);
      await ackAll(first);
      const resumed = await sub('all' + dest, src, 'now');
      expect((await collect(resumed, 2, 3_000)).map(mid)).toEqual(['newer', 'newest']);
    });

    it('counts lag as stored events not yet acked', async () => {
      const s = await sub();
      expect(await s.lag()).toBe(0);
      await bus.publish(src, ids(5).map((id) => event(id)));
      expect(await s.lag()).toBe(5);
      const got = await collect(s, 5, 3_000);
      expect(await s.lag()).toBe(5);
      await ackAll(got.slice(0, 2));
      expect(await s.lag()).toBe(3);
      await ackAll(got.slice(2));
      expect(await s.lag()).toBe(0);
    });

    it('keeps quarantined events with their violations, newest first', async () => {
      const violation = { kind: 'type' as const, type: 'Invalid Type', field: 'properties.revenue', description: 'expected number, got string' };
      await bus.quarantine(src, [{ event: event('q1'), violations: [violation] }]);
      await sleep(20);
      await bus.quarantine(src, [
        { event: event('q2'), violations: [violation] },
        { event: event('q3'), violations: [] },
      ]);
      const all = await bus.listQuarantine(src);
      expect(all.map((e) => mid(e))).toEqual(['q3', 'q2', 'q1']);
      expect(all[2]).toMatchObject({ source: src, event: event('q1'), violations: [violation] });
      expect(typeof all[0]!.at).toBe('number');
      expect((await bus.listQuarantine(src, { limit: 2 })).map((e) => mid(e))).toEqual(['q3', 'q2']);
      expect(await bus.listQuarantine(unique('src'))).toEqual([]);
    });

    it('lists dead letters and replays them to that destination only', async () => {
      const a = await sub();
      const b = await sub('other' + dest);
      await bus.publish(src, [event('ok'), event('bad')]);
      const got = await a.fetch(10, 3_000);
      const bad = got.find((d) => mid(d) === 'bad')!;
      await bus.deadLetter(dest, [{ source: src, event: bad.event, reason: 'HTTP 400', status: 400, bodyExcerpt: '{"error":"no"}', attempts: 1 }]);
      await ackAll(got);
      const listed = await bus.listDeadLetters(dest);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ destination: dest, source: src, event: event('bad'), reason: 'HTTP 400', status: 400, bodyExcerpt: '{"error":"no"}', attempts: 1 });
      expect(await bus.listDeadLetters('other' + dest)).toEqual([]);
      expect(await bus.replayDeadLetters(dest)).toBe(1);
      expect(await bus.listDeadLetters(dest)).toEqual([]);
      const replayed = await a.fetch(10, 3_000);
      expect(replayed.map((d) => [mid(d), d.attempt])).toEqual([['bad', 1]]);
      await ackAll(replayed);
      expect(await a.fetch(10, 300)).toEqual([]);
      expect((await collect(b, 2, 3_000)).map(mid)).toEqual(['ok', 'bad']);
      expect(await b.fetch(10, 300)).toEqual([]);
    });

    it('deletes events past the source retention', async () => {
      const short = unique('src');
      await bus.ensureSource(short, { retentionMs: 400 });
      await bus.publish(short, [event('a'), event('b')]);
      await eventually(10_000, async () => {
        const probe = await sub(unique('probe'), short, new Date(0));
        expect(await probe.fetch(10, 0)).toEqual([]);
      });
      expect(await bus.publish(short, [event('a')])).toEqual({ stored: 1, duplicates: 0 });
    });

    it('deletes a source with its events, quarantine, consumers and dead letters', async () => {
      const s = await sub();
      await bus.publish(src, [event('a')]);
      await bus.quarantine(src, [{ event: event('q'), violations: [] }]);
      const [d] = await s.fetch(10, 3_000);
      await bus.deadLetter(dest, [{ source: src, event: d!.event, reason: 'gone', attempts: 3 }]);
      await bus.deleteSource(src);
      expect(await bus.listQuarantine(src)).toEqual([]);
      expect(await bus.listDeadLetters(dest)).toEqual([]);
      await expect(bus.publish(src, [event('b')])).rejects.toSatisfy(isBusError('unknown-source'));
      await bus.ensureSource(src, { retentionMs: HOUR });
      expect(await bus.publish(src, [event('a')])).toEqual({ stored: 1, duplicates: 0 });
      const fresh = await sub(dest, src, new Date(0));
      expect((await drain(fresh)).map(mid)).toEqual(['a']);
    });

    it('deletes a destination with its consumers and dead letters', async () => {
      const s = await sub();
      const other = await sub('other' + dest);
      await bus.publish(src, [event('a'), event('b'), event('c')]);
      const got = await s.fetch(10, 3_000);
      await bus.deadLetter(dest, [{ source: src, event: got[0]!.event, reason: 'no', attempts: 1 }]);
      await bus.deleteDestination(dest);
      expect(await bus.listDeadLetters(dest)).toEqual([]);
      const again = await sub();
      expect(await again.fetch(10, ACK_WAIT + 400)).toEqual([]);
      expect(await again.lag()).toBe(0);
      expect(await other.lag()).toBe(3);
    });

    it('stores every event of concurrent publishes', async () => {
      const s = await sub();
      const batches = ids(20).map((b) => ids(50).map((i) => event(`${b}-${i}`)));
      const results = await Promise.all(batches.map((batch) => bus.publish(src, batch)));
      expect(results.reduce((n, r) => n + r.stored, 0)).toBe(1_000);
      const all = await drain(s);
      expect(new Set(all.map(mid)).size).toBe(1_000);
      expectIncreasing(all.map((d) => d.seq));
    });

    it('waits in fetch and wakes when an event is published', async () => {
      const s = await sub();
      let started = Date.now();
      expect(await s.fetch(10, 300)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      started = Date.now();
      const pending = s.fetch(10, 10_000);
      await sleep(150);
      await bus.publish(src, [event('late')]);
      expect((await pending).map(mid)).toEqual(['late']);
      expect(Date.now() - started).toBeLessThan(3_000);
    });

    it('carries large batches and large events intact', async () => {
      const s = await sub();
      const padding = 'x'.repeat(2_000);
      const batch = ids(5_000).map((id) => event(id, { padding }));
      const big = event('big', { blob: 'y'.repeat(500_000) });
      expect(await bus.publish(src, batch)).toEqual({ stored: 5_000, duplicates: 0 });
      expect(await bus.publish(src, [big])).toEqual({ stored: 1, duplicates: 0 });
      const all = await drain(s, 1_000);
      expect(all).toHaveLength(5_001);
      expect(all.map(mid)).toEqual([...batch.map((e) => e.messageId), 'big']);
      expect(all[4_321]!.event).toEqual(batch[4_321]);
      expect(all[5_000]!.event).toEqual(big);
    });

    it('rejects calls after close', async () => {
      await bus.close();
      await expect(bus.publish(src, [event('a')])).rejects.toSatisfy(isBusError('closed'));
    });
  });
}

export function event(messageId: string, properties: Record<string, unknown> = {}): SegmentEvent {
  return {
    type: 'track',
    messageId,
    event: 'Order Completed',
    userId: 'user-1',
    properties: { revenue: 12.5, ...properties },
    context: { library: { name: 'contract', version: '1' } },
    timestamp: '2026-01-01T00:00:00.000Z',
    receivedAt: '2026-01-01T00:00:00.100Z',
  };
}

function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `e${i}`);
}

function mid(d: { event: SegmentEvent }): string {
  return d.event.messageId;
}

function isBusError(kind: BusError['kind']) {
  return (e: unknown): boolean => e instanceof BusError && e.kind === kind;
}

function expectIncreasing(seqs: number[]): void {
  for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
}

async function ackAll(ds: BusDelivery[]): Promise<void> {
  await Promise.all(ds.map((d) => d.ack()));
}

/** Fetches until `n` events arrived or `ms` passed. */
async function collect(s: Subscription, n: number, ms: number): Promise<BusDelivery[]> {
  const out: BusDelivery[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n && Date.now() < deadline) out.push(...(await s.fetch(n - out.length, Math.max(1, deadline - Date.now()))));
  return out;
}

/** Fetches and acks everything available, in order. */
async function drain(s: Subscription, batch = 500): Promise<BusDelivery[]> {
  const out: BusDelivery[] = [];
  for (;;) {
    const got = await s.fetch(batch, 500);
    if (got.length === 0) return out;
    await ackAll(got);
    out.push(...got);
  }
}

async function eventually(ms: number, check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
