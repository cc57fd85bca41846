import { sleep, type BackoffOptions } from './backoff.ts';
import { Cache, relistDeltas, type Delta, type IndexFunc } from './cache.ts';
import type { ResourceClient } from './client.ts';
import { KubeApiError } from './errors.ts';
import { nextStep, watchTimeoutSeconds, type Step, type WatchOutcome } from './informer-policy.ts';
import { keyOf } from './keys.ts';
import { silentLogger, type Logger } from './log.ts';
import { resourceName } from './resources.ts';
import type { KubeObject } from './types.ts';

export interface EventHandlers<T> {
  onAdd?(obj: T): void;
  /** Also called with old === obj on each periodic resync. */
  onUpdate?(old: T, obj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions<T> {
  /** Watch one namespace; all namespaces when omitted. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Re-deliver every cached object as an update this often; 0 turns it off. Default 10 min. */
  resyncMs?: number;
  /** Server-side watch timeout, spread over [t, 2t). Default 300 s. */
  watchTimeoutSeconds?: number;
  /** A watch silent this much longer than its timeout is dead and re-opened. Default 30 s. */
  idleGraceMs?: number;
  /** Between failed rounds. Default 800 ms doubling to 30 s, ±20 %. */
  backoff?: BackoffOptions;
  /** Applied to every object before it is cached; by default drops managedFields (memory). */
  transform?: (obj: T) => T;
  log?: Logger;
}

const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 800, maxMs: 30_000, jitter: 0.2 };

export const stripManagedFields = <T extends KubeObject>(obj: T): T => {
  if (!obj.metadata.managedFields) return obj;
  const { managedFields: _drop, ...metadata } = obj.metadata;
  return { ...obj, metadata };
};

/**
 * List + watch one kind into a cache and tell handlers about every change. Unlike the
 * client library's informer it never stops on its own: any error, a silent watch, or a
 * server restart leads to a re-watch or a relist with backoff, until stop().
 */
export class Informer<T extends KubeObject> {
  readonly cache = new Cache<T>();
  readonly name: string;
  /** Counters for tests and debugging. */
  readonly stats = { lists: 0, watches: 0, failures: 0, idleRestarts: 0 };
  private readonly client: ResourceClient<T>;
  private readonly opts: InformerOptions<T>;
  private readonly handlers = new Set<EventHandlers<T>>();
  private readonly log: Logger;
  private resourceVersion: string | undefined;
  private synced = false;
  private readonly syncWaiters = new Set<() => void>();
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;

  constructor(client: ResourceClient<T>, opts: InformerOptions<T> = {}) {
    this.client = client;
    this.opts = opts;
    this.name = resourceName(client.type) + (opts.namespace ? ` in ${opts.namespace}` : '');
    this.log = (opts.log ?? silentLogger).child({ informer: this.name });
  }

  addIndex(name: string, fn: IndexFunc<T>): void {
    this.cache.addIndex(name, fn);
  }

  /** Registers handlers; objects already cached are delivered to them as adds. Returns an unsubscribe. */
  addHandlers(h: EventHandlers<T>): () => void {
    this.handlers.add(h);
    if (this.synced) for (const obj of this.cache.list()) this.call(() => h.onAdd?.(obj));
    return () => this.handlers.delete(h);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return this.cache.list();
  }

  byIndex(name: string, value: string): T[] {
    return this.cache.byIndex(name, value);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The version the cache reflects (for tests and debugging). */
  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  /** Resolves once the first list is in the cache; rejects when `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.syncWaiters.delete(done);
        reject(new Error(`waiting for the ${this.name} cache to sync: aborted`, { cause: signal?.reason }));
      };
      this.syncWaiters.add(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
    const every = this.opts.resyncMs ?? 600_000;
    if (every > 0) this.resyncTimer = setInterval(() => this.resync(), every);
  }

  async stop(): Promise<void> {
    clearInterval(this.resyncTimer);
    this.abort?.abort(new Error(`stopping the ${this.name} informer`));
    await this.loop;
    this.loop = undefined;
  }

  /** Re-delivers every cached object as an unchanged update, so controllers re-check drift. */
  resync(): void {
    if (!this.synced) return;
    for (const obj of this.cache.list()) this.emit({ type: 'update', old: obj, obj });
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoff ?? DEFAULT_BACKOFF;
    let relist = true;
    let failures = 0;
    while (!signal.aborted) {
      let outcome: WatchOutcome | undefined;
      if (relist) {
        try {
          await this.relist();
        } catch (err) {
          outcome = { kind: 'error', during: 'list', err };
        }
      }
      outcome ??= await this.watchOnce(signal);
      if (signal.aborted) break;
      const step = nextStep(outcome, failures, backoff);
      this.report(outcome, step);
      relist = step.relist;
      failures = step.failures;
      if (step.delayMs > 0) await sleep(step.delayMs, signal).catch(() => {});
    }
  }

  private report(outcome: WatchOutcome, step: Step): void {
    if (outcome.kind === 'error') {
      this.stats.failures++;
      this.log.warn('list/watch failed; retrying', { during: outcome.during, err: outcome.err, relist: step.relist, retryInMs: step.delayMs });
    } else if (outcome.kind === 'idle') {
      this.stats.idleRestarts++;
      this.log.warn('watch went silent; re-opening it', { resourceVersion: this.resourceVersion });
    }
  }

  private async relist(): Promise<void> {
    const list = await this.client.listAll({
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
    });
    this.stats.lists++;
    const items = list.items.map((o) => this.transform(o));
    for (const d of relistDeltas(this.cache.list(), items)) this.apply(d);
    this.resourceVersion = list.resourceVersion;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters) w();
      this.syncWaiters.clear();
      this.log.debug('cache synced', { objects: this.cache.size, resourceVersion: this.resourceVersion });
    }
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchOutcome> {
    const timeoutSeconds = watchTimeoutSeconds(this.opts.watchTimeoutSeconds ?? 300);
    const idleMs = timeoutSeconds * 1000 + (this.opts.idleGraceMs ?? 30_000);
    const session = new AbortController();
    const stopSession = () => session.abort(signal.reason);
    signal.addEventListener('abort', stopSession, { once: true });
    let idle = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        session.abort(new Error('watch idle'));
      }, idleMs);
    };
    const started = Date.now();
    let events = 0;
    this.stats.watches++;
    try {
      arm();
      for await (const ev of this.client.watch({
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        fieldSelector: this.opts.fieldSelector,
        resourceVersion: this.resourceVersion ?? '0',
        timeoutSeconds,
        signal: session.signal,
      })) {
        arm();
        events++;
        if (ev.type === 'ERROR') {
          const s = ev.object;
          throw new KubeApiError(`watching ${this.name}: ${s.message ?? 'error event'}`, s.code ?? 500, s.reason ?? 'WatchError', { body: s });
        }
        if (ev.type === 'BOOKMARK') {
          this.resourceVersion = ev.object.metadata.resourceVersion;
          continue;
        }
        const obj = this.transform(ev.object);
        const old = this.cache.get(keyOf(obj));
        if (ev.type === 'DELETED') this.apply({ type: 'delete', obj });
        else this.apply(old ? { type: 'update', old, obj } : { type: 'add', obj });
        this.resourceVersion = obj.metadata.resourceVersion ?? this.resourceVersion;
      }
      return { kind: 'closed', events, ms: Date.now() - started };
    } catch (err) {
      if (idle) return { kind: 'idle' };
      return { kind: 'error', during: 'watch', err };
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stopSession);
    }
  }

  private transform(obj: T): T {
    return (this.opts.transform ?? stripManagedFields)(obj);
  }

  private apply(d: Delta<T>): void {
    if (d.type === 'delete') this.cache.remove(keyOf(d.obj));
    else this.cache.upsert(d.obj);
    this.emit(d);
  }

  private emit(d: Delta<T>): void {
    for (const h of this.handlers) {
      this.call(() => {
        if (d.type === 'add') h.onAdd?.(d.obj);
        else if (d.type === 'update') h.onUpdate?.(d.old, d.obj);
        else h.onDelete?.(d.obj);
      });
    }
  }

  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // A broken handler must not stop the watch feeding every other handler.
      this.log.error('event handler failed', { err });
    }
  }
}
