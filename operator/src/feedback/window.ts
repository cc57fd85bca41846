/**
 * Window counts from monotonic counters. Pods publish counters that only grow from their
 * process start (`windowStart`); the operator adds the difference between consecutive
 * snapshots of a pod to time buckets, and a status count is the sum of the buckets in the
 * recent window (one hour in 5-minute buckets by default, like the ingest's violation
 * sampler). Counts of a pod that went away stay until their buckets age out, since those
 * events did happen.
 */
export type Counts = Record<string, number>;

export interface CounterReading {
  /** When the counters started (ms): the pod's process start. */
  windowStart: number;
  counters: Counts;
}

/**
 * How much a pod's counters moved since its previous reading.
 * - First reading of a pod: everything it counted, when its process started inside the
 *   window; nothing (the reading is only a baseline) when it started earlier, since when
 *   those counts happened is unknown. So right after the operator starts, counts are a lower
 *   bound until a window has passed.
 * - A restart (windowStart moved, or any counter went down): the new process's counts, by
 *   the same rule.
 * - Otherwise the difference, counter by counter.
 */
export function counterDelta(prev: CounterReading | undefined, next: CounterReading, now: number, windowMs: number): Counts {
  const fresh = (): Counts => (next.windowStart >= now - windowMs ? { ...next.counters } : zeros(next.counters));
  if (!prev || prev.windowStart !== next.windowStart) return fresh();
  const out: Counts = {};
  for (const [k, n] of Object.entries(next.counters)) {
    const before = prev.counters[k] ?? 0;
    if (n < before) return fresh();
    out[k] = n - before;
  }
  return out;
}

function zeros(counts: Counts): Counts {
  const out: Counts = {};
  for (const k of Object.keys(counts)) out[k] = 0;
  return out;
}

export interface WindowOptions {
  windowMs?: number;
  buckets?: number;
}

export const DEFAULT_WINDOW_MS = 3_600_000;

/** Sums of counts over the recent window, kept in a few time buckets. */
export class Window {
  readonly windowMs: number;
  readonly #bucketMs: number;
  readonly #buckets: number;
  /** Bucket number → sums; at most `buckets` entries after pruning. */
  readonly #sums = new Map<number, Counts>();

  constructor(opts: WindowOptions = {}) {
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
    this.#buckets = Math.max(1, Math.floor(opts.buckets ?? 12));
    this.#bucketMs = Math.max(1, Math.ceil(this.windowMs / this.#buckets));
  }

  add(counts: Counts, now: number): void {
    const id = Math.floor(now / this.#bucketMs);
    this.#prune(id);
    let bucket = this.#sums.get(id);
    for (const [k, n] of Object.entries(counts)) {
      if (n <= 0) continue;
      bucket ??= this.#sums.set(id, {}).get(id)!;
      bucket[k] = (bucket[k] ?? 0) + n;
    }
  }

  /** Per counter, the sum over the buckets still in the window; counters never seen are absent. */
  sums(now: number): Counts {
    this.#prune(Math.floor(now / this.#bucketMs));
    const out: Counts = {};
    for (const bucket of this.#sums.values()) for (const [k, n] of Object.entries(bucket)) out[k] = (out[k] ?? 0) + n;
    return out;
  }

  get empty(): boolean {
    return this.#sums.size === 0;
  }

  #prune(current: number): void {
    const oldest = current - this.#buckets + 1;
    for (const id of this.#sums.keys()) if (id < oldest) this.#sums.delete(id);
  }
}
