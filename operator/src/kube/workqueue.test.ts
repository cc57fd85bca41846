import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { WorkQueue } from './workqueue.ts';

const noJitter = { baseMs: 5, maxMs: 1_000_000, jitter: 0 };

describe('WorkQueue', () => {
  it('hands out a key queued many times once, in first-added order', async () => {
    const q = new WorkQueue({ name: 't' });
    for (const k of ['a', 'b', 'a', 'a', 'c', 'b']) q.add(k);
    expect(q.length).toBe(3);
    expect([await q.get(), await q.get(), await q.get()]).toEqual(['a', 'b', 'c']);
  });

  it('never hands a key to two workers; a re-add while processing comes back after done()', async () => {
    const q = new WorkQueue({ name: 't' });
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first!);
    await Promise.resolve();
    expect(second).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue({ name: 't' });
    const got = q.get();
    q.add('x');
    expect(await got).toBe('x');
  });

  it('backs off per key exponentially and resets on forget', () => {
    const q = new WorkQueue({ name: 't', backoff: noJitter, overall: false });
    expect([q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('b')]).toEqual([5, 10, 20, 5]);
    expect(q.failures('a')).toBe(3);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(5);
    void q.shutdown();
  });

  it('limits the overall retry rate across keys', () => {
    let now = 0;
    const q = new WorkQueue({ name: 't', backoff: noJitter, overall: { perSecond: 10, burst: 2 }, now: () => now });
    expect([q.addRateLimited('a'), q.addRateLimited('b'), q.addRateLimited('c')]).toEqual([5, 5, 100]);
    now = 1000;
    expect(q.addRateLimited('d')).toBe(5);
    void q.shutdown();
  });

  it('addAfter delivers after the delay; an earlier time wins', async () => {
    const q = new WorkQueue({ name: 't' });
    const t0 = Date.now();
    q.addAfter('a', 5_000);
    q.addAfter('a', 30);
    q.addAfter('a', 10_000);
    expect(await q.get()).toBe('a');
    expect(Date.now() - t0).toBeLessThan(2_000);
    q.done('a');
    await q.shutdown();
  });

  it('shutdown drops queued keys, ends waiting workers and waits for keys in progress', async () => {
    const q = new WorkQueue({ name: 't' });
    q.add('a');
    q.add('b');
    const a = await q.get();
    const other = new WorkQueue({ name: 'u' });
    const waiting = other.get();
    void other.shutdown();
    expect(await waiting).toBeUndefined();
    let drained = false;
    const stopped = q.shutdown().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(drained).toBe(false);
    q.add('c');
    expect(await q.get()).toBeUndefined();
    q.done(a!);
    await stopped;
    expect(drained).toBe(true);
  });

  it('exports depth, adds, retries and processing duration', async () => {
    const registry = new Registry();
    const q = new WorkQueue({ name: 'm', registry, overall: false });
    q.add('a');
    q.add('b');
    q.add('a');
    const k = await q.get();
    q.addRateLimited(k!);
    q.done(k!);
    const text = await registry.metrics();
    expect(text).toContain('sluice_operator_workqueue_adds_total{name="m"} 2');
    expect(text).toContain('sluice_operator_workqueue_depth{name="m"} 1');
    expect(text).toContain('sluice_operator_workqueue_retries_total{name="m"} 1');
    expect(text).toContain('sluice_operator_workqueue_work_duration_seconds_count{name="m"} 1');
    await q.shutdown();
  });
});
