import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { runController, TerminalError, type Reconcile, type WatchSource } from './controller.ts';
import { jsonLogger } from './log.ts';

/** A key source driven by the test: the controller cannot tell it from an informer. */
function source(): WatchSource & { emit(key: string): void; sync(): void } {
  const subs = new Set<(k: string) => void>();
  let synced = false;
  const waiters: (() => void)[] = [];
  return {
    name: 'test',
    start: () => {},
    hasSynced: () => synced,
    waitForSync: () => (synced ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    subscribe: (enqueue) => {
      subs.add(enqueue);
      return () => subs.delete(enqueue);
    },
    emit: (k) => subs.forEach((s) => s(k)),
    sync: () => {
      synced = true;
      waiters.splice(0).forEach((w) => w());
    },
  };
}

const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('runController', () => {
  it('waits for the caches, then reconciles each queued key once', async () => {
    const src = source();
    const seen: string[] = [];
    const c = runController({ name: 'c', watches: [src], reconcile: (_ctx, key) => (seen.push(key), Promise.resolve({})) });
    src.emit('ns/a');
    src.emit('ns/a');
    src.emit('ns/b');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([]);
    src.sync();
    await c.ready;
    await until(() => seen.length === 2);
    expect(seen.sort()).toEqual(['ns/a', 'ns/b']);
    await c.stop();
  });

  it('retries a failing key with backoff, logs one JSON line per failure, and resets on success', async () => {
    const src = source();
    src.sync();
    const lines: string[] = [];
    let calls = 0;
    const failures: number[] = [];
    const reconcile: Reconcile = (ctx) => {
      failures.push(ctx.failures);
      if (++calls < 3) return Promise.reject(new Error('applying the ConfigMap: connection refused', { cause: new Error('ECONNREFUSED') }));
      return Promise.resolve({});
    };
    const c = runController({ name: 'src', watches: [src], reconcile, log: jsonLogger({ write: (l) => lines.push(l) }), queue: { backoff: { baseMs: 5, maxMs: 50, jitter: 0 } } });
    await c.ready;
    src.emit('ns/web');
    await until(() => calls === 3);
    expect(failures).toEqual([0, 1, 2]);
    expect(c.queue.failures('ns/web')).toBe(0);
    const failed = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === 'reconcile failed; retrying');
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({
      level: 'error',
      controller: 'src',
      key: 'ns/web',
      attempt: 1,
      retryInMs: 5,
      err: { name: 'Error', message: 'applying the ConfigMap: connection refused', cause: { message: 'ECONNREFUSED' } },
    });
    await c.stop();
  });

  it('does not retry a TerminalError and hands it to onTerminalError', async () => {
    const src = source();
    src.sync();
    let calls = 0;
    const recorded: string[] = [];
    const c = runController({
      name: 'plan',
      watches: [src],
      reconcile: () => {
        calls++;
        return Promise.reject(new TerminalError('SchemaInvalid', 'event "Order Completed": properties.revenue: type must be a string'));
      },
      onTerminalError: (ctx, err) => Promise.resolve(void recorded.push(`${ctx.key} ${err.reason}: ${err.message}`)),
      queue: { backoff: { baseMs: 1, maxMs: 1, jitter: 0 } },
    });
    await c.ready;
    src.emit('ns/p');
    await until(() => recorded.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    expect(recorded).toEqual(['ns/p SchemaInvalid: event "Order Completed": properties.revenue: type must be a string']);
    await c.stop();
  });

  it('retries when recording the terminal error fails', async () => {
    const src = source();
    src.sync();
    let records = 0;
    const c = runController({
      name: 'plan',
      watches: [src],
      reconcile: () => Promise.reject(new TerminalError('Bad', 'bad')),
      onTerminalError: () => (++records < 2 ? Promise.reject(new Error('status write: conflict')) : Promise.resolve()),
      queue: { backoff: { baseMs: 1, maxMs: 1, jitter: 0 } },
    });
    await c.ready;
    src.emit('ns/p');
    await until(() => records === 2);
    await c.stop();
  });

  it('requeues after requeueAfterMs', async () => {
    const src = source();
    src.sync();
    const times: number[] = [];
    const c = runController({ name: 'r', watches: [src], reconcile: () => (times.push(Date.now()), Promise.resolve({ requeueAfterMs: times.length < 3 ? 30 : undefined })) });
    await c.ready;
    src.emit('ns/x');
    await until(() => times.length === 3);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(55);
    await c.stop();
  });

  it('runs different keys in parallel but one key at a time, and re-runs a key changed meanwhile', async () => {
    const src = source();
    src.sync();
    let running = 0;
    let maxParallel = 0;
    const perKey = new Map<string, number>();
    let overlapSameKey = false;
    let releaseFirst!: () => void;
    const firstBlocked = new Promise<void>((r) => (releaseFirst = r));
    let aRuns = 0;
    const c = runController({
      name: 'p',
      workers: 4,
      watches: [src],
      reconcile: async (_ctx, key) => {
        running++;
        maxParallel = Math.max(maxParallel, running);
        if ((perKey.get(key) ?? 0) > 0) overlapSameKey = true;
        perKey.set(key, (perKey.get(key) ?? 0) + 1);
        if (key === 'a' && ++aRuns === 1) await firstBlocked;
        else await new Promise((r) => setTimeout(r, 10));
        perKey.set(key, perKey.get(key)! - 1);
        running--;
        return {};
      },
    });
    await c.ready;
    src.emit('a');
    src.emit('b');
    src.emit('c');
    await until(() => maxParallel >= 3);
    src.emit('a');
    await new Promise((r) => setTimeout(r, 30));
    expect(aRuns).toBe(1);
    releaseFirst();
    await until(() => aRuns === 2);
    expect(overlapSameKey).toBe(false);
    await c.stop();
  });

  it('stop() waits for the reconcile in progress and aborts its signal', async () => {
    const src = source();
    src.sync();
    let finished = false;
    let aborted = false;
    let started = false;
    const c = runController({
      name: 's',
      watches: [src],
      reconcile: async (ctx) => {
        started = true;
        await new Promise((r) => setTimeout(r, 50));
        aborted = ctx.signal.aborted;
        finished = true;
        return {};
      },
    });
    await c.ready;
    src.emit('k');
    await until(() => started);
    await c.stop();
    expect(finished).toBe(true);
    expect(aborted).toBe(true);
  });

  it('counts reconciles by result', async () => {
    const src = source();
    src.sync();
    const registry = new Registry();
    const c = runController({
      name: 'm',
      watches: [src],
      registry,
      reconcile: (_ctx, key) => (key === 'bad' ? Promise.reject(new TerminalError('Bad', 'bad')) : Promise.resolve({})),
    });
    await c.ready;
    src.emit('ok');
    src.emit('bad');
    const text = async () => registry.metrics();
    await until(() => c.queue.length === 0 && c.queue.inFlight === 0);
    await new Promise((r) => setTimeout(r, 10));
    expect(await text()).toContain('sluice_operator_reconciles_total{controller="m",result="success"} 1');
    expect(await text()).toContain('sluice_operator_reconciles_total{controller="m",result="terminal"} 1');
    await c.stop();
  });
});
