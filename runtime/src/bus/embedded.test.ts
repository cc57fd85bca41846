import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { busContract, event } from './contract.ts';
import { openEmbeddedBus, type EmbeddedBus, type EmbeddedBusOptions } from './embedded.ts';
import { BusError, type Bus } from './types.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sluice-bus-'));
}

busContract('embedded', async () => {
  const dir = tempDir();
  const opts = { path: join(dir, 'bus.db'), pruneIntervalMs: 100 };
  let bus: Bus = await openEmbeddedBus(opts);
  return {
    bus,
    reopen: async () => {
      await bus.close();
      bus = await openEmbeddedBus(opts);
      return bus;
    },
    cleanup: async () => {
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('embedded bus', () => {
  const open: EmbeddedBus[] = [];
  const dirs: string[] = [];
  let clock = Date.UTC(2026, 0, 1);
  const now = (): number => clock;

  async function start(extra: Partial<EmbeddedBusOptions> = {}, dir = tempDir()): Promise<{ bus: EmbeddedBus; path: string }> {
    dirs.push(dir);
    const path = join(dir, 'bus.db');
    const bus = await openEmbeddedBus({ path, now, pruneIntervalMs: 3_600_000, ...extra });
    open.push(bus);
    return { bus, path };
  }

  afterEach(async () => {
    for (const bus of open.splice(0)) await bus.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    clock = Date.UTC(2026, 0, 1);
  });

  it('delivers what was in flight again right after a restart, without waiting for ackWait', async () => {
    const { bus, path } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 3_600_000 });
    await bus.publish('web', [event('a')]);
    expect(await s.fetch(10, 0)).toHaveLength(1);
    await bus.close();
    const logged: string[] = [];
    const again = await openEmbeddedBus({ path, now, log: (_level, message) => logged.push(message) });
    open.push(again);
    const s2 = await again.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 3_600_000 });
    expect((await s2.fetch(10, 0)).map((d) => [d.event.messageId, d.attempt])).toEqual([['a', 2]]);
    expect(logged.join('\n')).toMatch(/1 events were in flight/);
  });

  it('keeps a nak-ed event waiting for its delay across a restart', async () => {
    const { bus, path } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    await bus.publish('web', [event('a')]);
    await (await s.fetch(10, 0))[0]!.nak(60_000);
    await bus.close();
    const again = await openEmbeddedBus({ path, now });
    open.push(again);
    const s2 = await again.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    expect(await s2.fetch(10, 0)).toEqual([]);
    clock += 60_000;
    expect((await s2.fetch(10, 0)).map((d) => d.attempt)).toEqual([2]);
  });

  it('refuses a second owner of the same file', async () => {
    const { path } = await start();
    const second = openEmbeddedBus({ path });
    await expect(second).rejects.toBeInstanceOf(BusError);
    await expect(second).rejects.toThrow(/another process holds it/);
  });

  it('shares one commit between publishes made in the same turn, and not when group commit is off', async () => {
    for (const groupCommit of [true, false]) {
      const { bus } = await start({ groupCommit });
      await bus.ensureSource('web', { retentionMs: 3_600_000 });
      const before = bus.stats().commits;
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => bus.publish('web', [event(`m${i}`)])));
      expect(results.every((r) => r.stored === 1)).toBe(true);
      expect(bus.stats().commits - before).toBe(groupCommit ? 1 : 10);
    }
  });

  it('keeps the WAL bounded under steady writes, the checkpoint worker running', async () => {
    const { bus, path } = await start({ now: Date.now });
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const padding = 'p'.repeat(400);
    let largest = 0;
    for (let b = 0; b < 100; b++) {
      await bus.publish('web', Array.from({ length: 500 }, (_, i) => event(`${b}-${i}`, { padding })));
      largest = Math.max(largest, statSync(`${path}-wal`).size);
    }
    // 50,000 events write ~35 MiB to the WAL; a WAL that never started over would hold all of it.
    expect(largest).toBeLessThan(16 * 2 ** 20);
  });

  it('forgets messageIds after the de-duplication window even within retention', async () => {
    const { bus } = await start({ dedupWindowMs: 60_000 });
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    await bus.publish('web', [event('a')]);
    clock += 59_000;
    expect(await bus.publish('web', [event('a')])).toEqual({ stored: 0, duplicates: 1 });
    // Remembered for at least the window: through one rotation, forgotten at the next.
    clock += 2_000;
    await bus.publish('web', [event('other')]);
    expect(await bus.publish('web', [event('a')])).toEqual({ stored: 0, duplicates: 1 });
    clock += 60_000;
    await bus.publish('web', [event('another')]);
    expect(await bus.publish('web', [event('a')])).toEqual({ stored: 1, duplicates: 0 });
  });

  it('rebuilds de-duplication from the stored events when reopened', async () => {
    const { bus, path } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    await bus.publish('web', [event('a'), event('b')]);
    await bus.close();
    const again = await openEmbeddedBus({ path, now });
    open.push(again);
    expect(again.stats().dedupEntries).toBe(2);
    expect(await again.publish('web', [event('b'), event('c')])).toEqual({ stored: 1, duplicates: 1 });
  });

  it('prunes by retention on its clock: events, quarantine, dead letters, and lag follows', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 60_000 });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    await bus.publish('web', [event('old1'), event('old2')]);
    await bus.quarantine('web', [{ event: event('q'), violations: [] }]);
    await bus.deadLetter('hook', [{ source: 'web', event: event('old1'), reason: 'x', attempts: 1 }]);
    clock += 45_000;
    await bus.publish('web', [event('new')]);
    expect(await s.lag()).toBe(3);
    clock += 30_000;
    await bus.prune();
    expect(await s.lag()).toBe(1);
    expect(await bus.listQuarantine('web')).toEqual([]);
    expect(await bus.listDeadLetters('hook')).toEqual([]);
    expect((await s.fetch(10, 0)).map((d) => d.event.messageId)).toEqual(['new']);
  });

  it('replays a dead letter whose event already left the retention window', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 60_000 });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    await bus.publish('web', [event('a')]);
    const [d] = await s.fetch(10, 0);
    clock += 50_000;
    await bus.deadLetter('hook', [{ source: 'web', event: d!.event, reason: 'HTTP 400', status: 400, attempts: 1 }]);
    await d!.ack();
    clock += 20_000;
    await bus.prune();
    expect(await s.lag()).toBe(0);
    expect(await bus.replayDeadLetters('hook')).toBe(1);
    const replayed = await s.fetch(10, 0);
    expect(replayed.map((r) => [r.event.messageId, r.attempt, r.storedAt])).toEqual([['a', 1, clock]]);
  });

  it('finds start times by stored_at even when the clock steps back', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const t0 = clock;
    await bus.publish('web', [event('a')]);
    clock = t0 + 10_000;
    await bus.publish('web', [event('b')]);
    clock = t0 + 5_000;
    await bus.publish('web', [event('c')]);
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'time', time: new Date(t0 + 10_000) }, ackWaitMs: 1_000 });
    expect((await s.fetch(10, 0)).map((d) => [d.event.messageId, d.storedAt - t0])).toEqual([['b', 10_000], ['c', 10_000]]);
  });

  it('purges every event of a deleted source, in chunks', async () => {
    const { bus, path } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    for (let b = 0; b < 3; b++) await bus.publish('web', Array.from({ length: 4_000 }, (_, i) => event(`${b}-${i}`)));
    await bus.ensureSource('app', { retentionMs: 3_600_000 });
    await bus.publish('app', [event('keep')]);
    await bus.deleteSource('web');
    await bus.close();
    const db = new DatabaseSync(path);
    expect(db.prepare('SELECT count(*) AS n FROM events').get()).toEqual({ n: 1 });
    expect(db.prepare('SELECT count(*) AS n FROM retired_sources').get()).toEqual({ n: 0 });
    db.close();
  });

  it('bounds what callers pass in', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    await expect(bus.publish('web', [{ ...event('a'), messageId: '' }])).rejects.toMatchObject({ kind: 'invalid' });
    await expect(bus.publish('web', Array.from({ length: 50_001 }, (_, i) => event(`${i}`)))).rejects.toMatchObject({ kind: 'invalid' });
    await expect(bus.ensureSource('x'.repeat(300), { retentionMs: 1 })).rejects.toMatchObject({ kind: 'invalid' });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    await expect(s.fetch(0, 0)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(bus.listQuarantine('web', { limit: -1 })).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('ends a waiting fetch when its subscription closes', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    const started = performance.now();
    const pending = s.fetch(10, 60_000);
    await new Promise((r) => setTimeout(r, 20));
    await s.close();
    expect(await pending).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5_000);
    await expect(s.fetch(10, 0)).rejects.toMatchObject({ kind: 'closed' });
  });

  it('rejects an event that is not JSON as invalid', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    await expect(bus.publish('web', [{ ...event('a'), properties: { n: 1n } }])).rejects.toMatchObject({ kind: 'invalid' });
  });

  it('ends a waiting fetch when the bus closes', async () => {
    const { bus } = await start();
    await bus.ensureSource('web', { retentionMs: 3_600_000 });
    const s = await bus.subscribe('hook', 'web', { startFrom: { kind: 'now' }, ackWaitMs: 1_000 });
    const pending = s.fetch(10, 60_000);
    await new Promise((r) => setTimeout(r, 20));
    await bus.close();
    expect(await pending).toEqual([]);
  });
});
