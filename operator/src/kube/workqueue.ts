import type { Registry } from 'prom-client';
import { backoffDelay, TokenBucket, type BackoffOptions } from './backoff.ts';
import { kubeMetrics, type KubeMetrics } from './metrics.ts';

export interface WorkQueueOptions {
  name: string;
  /** Per-key retry delay: doubles per consecutive failure. Default 5 ms → 1000 s, ±10 %. */
  backoff?: BackoffOptions;
  /** Overall retry rate across keys, so a mass failure does not hammer the API server.
   * Default 10/s with a burst of 100; false turns it off. */
  overall?: { perSecond: number; burst: number } | false;
  registry?: Registry;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_QUEUE_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1_000_000, jitter: 0.1 };

/**
 * The controller work queue, client-go's semantics: a key queued many times is handed out
 * once; a key is never handed to two workers at once, and one re-added while being
 * processed is handed out again after done(); failures back off per key.
 */
export class WorkQueue {
  readonly name: string;
  private readonly queue: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  private readonly dirty = new Set<string>();
  private readonly processing = new Map<string, number>();
  private readonly addedAt = new Map<string, number>();
  private readonly waiting = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failureCounts = new Map<string, number>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private readonly idle: (() => void)[] = [];
  private readonly backoff: BackoffOptions;
  private readonly bucket: TokenBucket | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly metrics: KubeMetrics | undefined;
  private stopping = false;

  constructor(opts: WorkQueueOptions) {
    this.name = opts.name;
    this.backoff = opts.backoff ?? DEFAULT_QUEUE_BACKOFF;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    const overall = opts.overall ?? { perSecond: 10, burst: 100 };
    this.bucket = overall ? new TokenBucket(overall.perSecond, overall.burst, this.now()) : undefined;
    this.metrics = opts.registry ? kubeMetrics(opts.registry) : undefined;
  }

  add(key: string): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.metrics?.workqueueAdds.inc({ name: this.name });
    this.dirty.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` once `ms` have passed; a later call with an earlier time wins. */
  addAfter(key: string, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.now() + ms;
    const w = this.waiting.get(key);
    if (w && w.at <= at) return;
    if (w) clearTimeout(w.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    this.waiting.set(key, { at, timer });
  }

  /** Re-queues a key that failed, after its backoff; returns the delay chosen. */
  addRateLimited(key: string): number {
    const n = this.failureCounts.get(key) ?? 0;
    this.failureCounts.set(key, n + 1);
    const perKey = backoffDelay(n, this.backoff, this.random);
    const overall = this.bucket?.take(this.now()) ?? 0;
    const delay = Math.max(perKey, overall);
    this.metrics?.workqueueRetries.inc({ name: this.name });
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's backoff (call after a success). */
  forget(key: string): void {
    this.failureCounts.delete(key);
  }

  failures(key: string): number {
    return this.failureCounts.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` finished; if it was re-added meanwhile it goes back in the queue. */
  done(key: string): void {
    const started = this.processing.get(key);
    if (started === undefined) return;
    this.processing.delete(key);
    this.metrics?.workqueueWorkSeconds.observe({ name: this.name }, (this.now() - started) / 1000);
    if (this.dirty.has(key) && !this.stopping) this.push(key);
    if (this.processing.size === 0) for (const r of this.idle.splice(0)) r();
  }

  get length(): number {
    return this.queue.length;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Stops handing out keys (queued and delayed ones are dropped) and resolves once every
   * key being processed is done. */
  shutdown(): Promise<void> {
    this.stopping = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.metrics?.workqueueDepth.set({ name: this.name }, 0);
    for (const g of this.getters.splice(0)) g(undefined);
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private push(key: string): void {
    const getter = this.getters.shift();
    if (getter) getter(this.take(key));
    else {
      this.queue.push(key);
      this.metrics?.workqueueDepth.set({ name: this.name }, this.queue.length);
    }
  }

  private take(key: string): string {
    this.dirty.delete(key);
    const now = this.now();
    this.processing.set(key, now);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (this.metrics) {
      this.metrics.workqueueDepth.set({ name: this.name }, this.queue.length);
      if (added !== undefined) this.metrics.workqueueWaitSeconds.observe({ name: this.name }, (now - added) / 1000);
    }
    return key;
  }
}
