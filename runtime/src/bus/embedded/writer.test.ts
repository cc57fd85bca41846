import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { BusError } from '../types.ts';
import { GroupCommitWriter, commitQuantile } from './writer.ts';

function setup(group = true, intervalMs = 0) {
  const db = new DatabaseSync(':memory:');
  db.exec('CREATE TABLE t (x INTEGER NOT NULL UNIQUE)');
  const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
  const rows = (): number[] => db.prepare('SELECT x FROM t ORDER BY x').all().map((r) => Number(r['x']));
  return { db, insert, rows, writer: new GroupCommitWriter(db, { group, maxWeight: 100, intervalMs }) };
}

describe('GroupCommitWriter', () => {
  it('commits writes queued in one turn together and resolves each with its result', async () => {
    const { writer, insert, rows } = setup();
    const results = await Promise.all([1, 2, 3].map((x) => writer.enqueue(() => (insert.run(x), x * 10))));
    expect(results).toEqual([10, 20, 30]);
    expect(rows()).toEqual([1, 2, 3]);
    expect(writer.stats).toMatchObject({ commits: 1, ops: 3 });
  });

  it('commits each write alone when grouping is off', async () => {
    const { writer, insert } = setup(false);
    await Promise.all([1, 2, 3].map((x) => writer.enqueue(() => insert.run(x))));
    expect(writer.stats.commits).toBe(3);
  });

  it('holds a group back for the rest of the interval while writers overlap', async () => {
    const { writer, insert, rows } = setup(true, 200);
    await Promise.all([1, 2, 3].map((x) => writer.enqueue(() => insert.run(x))));
    const started = performance.now();
    const next = writer.enqueue(() => insert.run(4));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(rows()).toEqual([1, 2, 3]);
    await next;
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(writer.stats).toMatchObject({ commits: 2, ops: 4 });
  });

  it('never holds back a lone writer that waits for each commit', async () => {
    const { writer, insert } = setup(true, 200);
    const started = performance.now();
    for (let x = 1; x <= 10; x++) await writer.enqueue(() => insert.run(x));
    // Held back, ten commits would take at least 1.8 s.
    expect(performance.now() - started).toBeLessThan(900);
    expect(writer.stats.commits).toBe(10);
  });

  it('stops holding back a few writers that each wait for their commit: waiting gathers nothing', async () => {
    const { writer, insert } = setup(true, 200);
    const started = performance.now();
    for (let x = 1; x <= 20; x += 2) await Promise.all([writer.enqueue(() => insert.run(x)), writer.enqueue(() => insert.run(x + 1))]);
    // One wait finds no one else came; held back every time, ten rounds would take at least 1.8 s.
    expect(performance.now() - started).toBeLessThan(900);
    expect(writer.stats).toMatchObject({ commits: 10, ops: 20 });
  });

  it('flushes at once when a group reaches its weight', () => {
    const { writer, insert, rows } = setup();
    void writer.enqueue(() => insert.run(1), 60);
    expect(rows()).toEqual([]);
    void writer.enqueue(() => insert.run(2), 60);
    expect(rows()).toEqual([1, 2]);
  });

  it('retries a failed group one write at a time, failing only the bad one and undoing its memory', async () => {
    const { writer, insert, rows } = setup();
    const memory: string[] = [];
    const ok = writer.enqueue((tx) => {
      insert.run(1);
      memory.push('one');
      tx.onRollback(() => memory.splice(memory.indexOf('one'), 1));
    });
    const bad = writer.enqueue((tx) => {
      memory.push('bad');
      tx.onRollback(() => memory.splice(memory.indexOf('bad'), 1));
      insert.run(1);
    });
    const committed: number[] = [];
    const also = writer.enqueue((tx) => {
      insert.run(2);
      tx.onCommit(() => committed.push(2));
    });
    await expect(ok).resolves.toBeUndefined();
    await expect(bad).rejects.toBeInstanceOf(BusError);
    await expect(bad).rejects.toMatchObject({ kind: 'unavailable' });
    await expect(also).resolves.toBeUndefined();
    expect(rows()).toEqual([1, 2]);
    expect(memory).toEqual(['one']);
    expect(committed).toEqual([2]);
  });

  it('runs queued writes before a synchronous transaction, in the same commit', async () => {
    const { writer, insert, db } = setup();
    const queued = writer.enqueue(() => insert.run(5));
    const seen = writer.transact(() => Number(db.prepare('SELECT count(*) AS n FROM t').get()?.['n']));
    expect(seen).toBe(1);
    await queued;
    expect(writer.stats.commits).toBe(1);
  });

  it('throws from transact when its own work fails, after settling the queue', async () => {
    const { writer, insert } = setup();
    const queued = writer.enqueue(() => insert.run(1));
    expect(() => writer.transact(() => insert.run(1))).toThrow(BusError);
    await expect(queued).resolves.toMatchObject({ changes: 1 });
  });

  it('rejects writes after close, having committed what was queued', async () => {
    const { writer, insert, rows } = setup();
    const queued = writer.enqueue(() => insert.run(1));
    writer.close();
    await queued;
    expect(rows()).toEqual([1]);
    await expect(writer.enqueue(() => insert.run(2))).rejects.toMatchObject({ kind: 'closed' });
  });

  it('counts commits by duration', async () => {
    const { writer, insert } = setup();
    await Promise.all([1, 2].map((x) => writer.enqueue(() => insert.run(x))));
    await writer.enqueue(() => insert.run(3));
    expect(writer.stats.commitMsHistogram.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('commitQuantile', () => {
  it.each([
    ['all fast', [10, 0, 0, 0, 0, 0, 0, 0], 0.99, 1],
    ['p50 in the third bucket', [2, 2, 6, 0, 0, 0, 0, 0], 0.5, 5],
    ['p99 in the open bucket', [98, 0, 0, 0, 0, 0, 0, 2], 0.99, Infinity],
    ['p99 just inside', [99, 0, 0, 0, 0, 0, 1, 0], 0.99, 1],
  ])('%s', (_name, histogram, q, want) => {
    expect(commitQuantile(histogram, q)).toBe(want);
  });
});
