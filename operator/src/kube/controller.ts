import type { Registry } from 'prom-client';
import type { Informer } from './informer.ts';
import { keyOf } from './keys.ts';
import { silentLogger, type Logger } from './log.ts';
import { kubeMetrics } from './metrics.ts';
import type { KubeObject } from './types.ts';
import { WorkQueue, type WorkQueueOptions } from './workqueue.ts';

/**
 * A failure no retry can fix (a schema that does not compile, a CEL expression that does not
 * parse): the key is not retried, and the controller's onTerminalError sets Stalled=True.
 * `reason` is CamelCase, for the condition.
 */
export class TerminalError extends Error {
  override name = 'TerminalError';
  readonly reason: string;

  constructor(reason: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.reason = reason;
  }
}

export interface ReconcileContext {
  key: string;
  /** Carries controller and key on every line. */
  log: Logger;
  /** Aborted when the controller stops (e.g. leadership lost): stop early if convenient. */
  signal: AbortSignal;
  /** Consecutive failures of this key before this attempt. */
  failures: number;
}

export interface ReconcileResult {
  /** Reconcile again after this long even if nothing changes (polling external state). */
  requeueAfterMs?: number;
}

/** Throwing retries with backoff; TerminalError stops retrying. */
export type Reconcile = (ctx: ReconcileContext, key: string) => Promise<ReconcileResult>;

/** An event source that feeds keys to a controller. */
export interface WatchSource {
  name: string;
  start(): void;
  hasSynced(): boolean;
  waitForSync(signal?: AbortSignal): Promise<void>;
  subscribe(enqueue: (key: string) => void): () => void;
}

/**
 * Feed the keys `map` derives from each added, updated or deleted object (by default the
 * object's own key; `ownerKeys(...)` for children; an index lookup for referenced objects).
 */
export function watch<T extends KubeObject>(informer: Informer<T>, map: (obj: T) => string[] = (o) => [keyOf(o)]): WatchSource {
  return {
    name: informer.name,
    start: () => informer.start(),
    hasSynced: () => informer.hasSynced(),
    waitForSync: (signal) => informer.waitForSync(signal),
    subscribe: (enqueue) => {
      const each = (obj: T) => {
        for (const k of map(obj)) enqueue(k);
      };
      return informer.addHandlers({
        onAdd: each,
        onUpdate: (old, obj) => {
          // A child moving to another owner must wake the old owner too.
          if (old !== obj) each(old);
          each(obj);
        },
        onDelete: each,
      });
    },
  };
}

export interface ControllerOptions {
  name: string;
  reconcile: Reconcile;
  /** The first is usually the primary kind; the others map children and references. */
  watches: WatchSource[];
  /** Records a TerminalError on the object (Stalled=True). Throwing retries the key. */
  onTerminalError?: (ctx: ReconcileContext, err: TerminalError) => Promise<void>;
  workers?: number;
  queue?: Omit<WorkQueueOptions, 'name' | 'registry'>;
  registry?: Registry;
  log?: Logger;
}

export interface Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  /** Resolves once every watch has synced and the workers run. */
  readonly ready: Promise<void>;
  /** Stops handing out keys and waits for reconciles in progress; informers keep running. */
  stop(): Promise<void>;
}

export function runController(opts: ControllerOptions): Controller {
  const log = (opts.log ?? silentLogger).child({ controller: opts.name });
  const metrics = opts.registry ? kubeMetrics(opts.registry) : undefined;
  const queue = new WorkQueue({ name: opts.name, registry: opts.registry, ...opts.queue });
  const stopping = new AbortController();
  const unsubscribe = opts.watches.map((w) => w.subscribe((k) => queue.add(k)));
  for (const w of opts.watches) w.start();

  const processOne = async (key: string): Promise<void> => {
    const ctx: ReconcileContext = { key, log: log.child({ key }), signal: stopping.signal, failures: queue.failures(key) };
    const started = performance.now();
    let result: 'success' | 'requeue' | 'error' | 'terminal';
    try {
      const res = await opts.reconcile(ctx, key);
      queue.forget(key);
      if (res.requeueAfterMs !== undefined && res.requeueAfterMs >= 0) {
        queue.addAfter(key, res.requeueAfterMs);
        result = 'requeue';
      } else result = 'success';
    } catch (err) {
      if (err instanceof TerminalError) {
        result = 'terminal';
        queue.forget(key);
        ctx.log.error('reconcile failed permanently; waiting for a spec change', { reason: err.reason, err });
        if (opts.onTerminalError) {
          try {
            await opts.onTerminalError(ctx, err);
          } catch (recordErr) {
            const retryInMs = queue.addRateLimited(key);
            ctx.log.error('recording a terminal error failed; retrying', { err: recordErr, retryInMs });
          }
        }
      } else {
        result = 'error';
        const retryInMs = queue.addRateLimited(key);
        ctx.log.error('reconcile failed; retrying', { attempt: ctx.failures + 1, retryInMs, err });
      }
    }
    metrics?.reconciles.inc({ controller: opts.name, result });
    metrics?.reconcileSeconds.observe({ controller: opts.name }, (performance.now() - started) / 1000);
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await processOne(key);
      } finally {
        queue.done(key);
      }
    }
  };

  let workers: Promise<void>[] = [];
  const ready = (async () => {
    await Promise.all(opts.watches.map((w) => w.waitForSync(stopping.signal)));
    log.info('caches synced; starting workers', { workers: opts.workers ?? 2 });
    workers = Array.from({ length: opts.workers ?? 2 }, () => worker());
  })();
  // stop() before sync rejects `ready`; the caller may never await it.
  ready.catch(() => {});

  return {
    name: opts.name,
    queue,
    ready,
    async stop() {
      for (const u of unsubscribe) u();
      stopping.abort(new Error(`stopping the ${opts.name} controller`));
      await queue.shutdown();
      await Promise.all(workers);
    },
  };
}
