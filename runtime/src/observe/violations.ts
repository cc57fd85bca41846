import type { ViolationSummary } from '../../../operator/src/api/index.ts';
import type { Violation } from '../plan/types.ts';

export interface ViolationSamplerOptions {
  /** How far back counts reach. */
  windowMs?: number;
  /** The window is kept in this many buckets; older buckets drop off as time moves on. */
  buckets?: number;
  /** Distinct (event, field, kind) kept per source; the least recently seen go first. */
  maxKeysPerSource?: number;
  /** Sources tracked; the least recently active go first. */
  maxSources?: number;
}

/** Longest event name or field kept; longer ones are cut so keys stay small. */
const MAX_TEXT = 200;

interface Entry {
  readonly event: string;
  readonly field: string;
  readonly kind: string;
  message: string;
  lastSeen: number;
  sampleMessageId: string;
  /** Count per bucket, and which absolute bucket number each slot currently holds. */
  readonly counts: Float64Array;
  readonly slots: Float64Array;
}

/**
 * The recent violations of each source, grouped by (event, field, kind), for the Source
 * status and the CLI: how often in the recent window, when last, and a sample messageId to
 * find the payload in the quarantine or at the destination. Memory is bounded by
 * maxSources × maxKeysPerSource entries whatever the traffic.
 */
export class ViolationSampler {
  readonly windowMs: number;
  readonly #bucketMs: number;
  readonly #buckets: number;
  readonly #maxKeys: number;
  readonly #maxSources: number;
  readonly #sources = new Map<string, Map<string, Entry>>();

  constructor(opts: ViolationSamplerOptions = {}) {
    this.windowMs = opts.windowMs ?? 3_600_000;
    this.#buckets = Math.max(1, Math.floor(opts.buckets ?? 12));
    this.#bucketMs = Math.max(1, Math.ceil(this.windowMs / this.#buckets));
    this.#maxKeys = Math.max(1, opts.maxKeysPerSource ?? 500);
    this.#maxSources = Math.max(1, opts.maxSources ?? 1000);
  }

  /** Counts one event's violations; several violations of the same field and kind in one event count once. */
  record(source: string, eventName: string, violations: readonly Violation[], messageId: string, now: number = Date.now()): void {
    if (violations.length === 0) return;
    const entries = this.#entriesOf(source);
    const bucket = Math.floor(now / this.#bucketMs);
    const event = cut(eventName);
    let seen: Set<string> | undefined;
    for (const v of violations) {
      const field = cut(v.field);
      const key = `${event}\u0000${field}\u0000${v.kind}`;
      if (violations.length > 1) {
        seen ??= new Set();
        if (seen.has(key)) continue;
        seen.add(key);
      }
      let entry = entries.get(key);
      if (entry) {
        entries.delete(key); // re-inserted below: Map order is recency order
      } else {
        entry = {
          event, field, kind: v.kind, message: '', lastSeen: 0, sampleMessageId: '',
          counts: new Float64Array(this.#buckets), slots: new Float64Array(this.#buckets).fill(-1),
        };
        if (entries.size >= this.#maxKeys) evictOldest(entries);
      }
      entries.set(key, entry);
      const i = bucket % this.#buckets;
      if (entry.slots[i] !== bucket) {
        entry.slots[i] = bucket;
        entry.counts[i] = 0;
      }
      entry.counts[i]! += 1;
      if (now >= entry.lastSeen) {
        entry.lastSeen = now;
        entry.message = v.description;
        entry.sampleMessageId = messageId;
      }
    }
  }

  /** The n most frequent violations of a source in the window, most frequent first. */
  top(source: string, n: number, now: number = Date.now()): ViolationSummary[] {
    const entries = this.#sources.get(source);
    if (!entries || n <= 0) return [];
    const oldest = Math.floor(now / this.#bucketMs) - this.#buckets + 1;
    const counted: Array<{ entry: Entry; count: number }> = [];
    for (const [key, entry] of entries) {
      const count = this.#count(entry, oldest);
      if (count > 0) counted.push({ entry, count });
      else if (entry.lastSeen < now - this.windowMs) entries.delete(key);
    }
    counted.sort((a, b) => b.count - a.count || b.entry.lastSeen - a.entry.lastSeen || compareKeys(a.entry, b.entry));
    return counted.slice(0, n).map(({ entry, count }) => ({
      event: entry.event,
      field: entry.field,
      kind: entry.kind,
      message: entry.message,
      count,
      lastSeen: new Date(entry.lastSeen).toISOString(),
      ...(entry.sampleMessageId ? { sampleMessageId: entry.sampleMessageId } : {}),
    }));
  }

  /** Violations of a source in the window (each event counted once per field and kind). */
  total(source: string, now: number = Date.now()): number {
    const entries = this.#sources.get(source);
    if (!entries) return 0;
    const oldest = Math.floor(now / this.#bucketMs) - this.#buckets + 1;
    let sum = 0;
    for (const entry of entries.values()) sum += this.#count(entry, oldest);
    return sum;
  }

  /** Drops a source's samples (the Source was deleted). */
  forget(source: string): void {
    this.#sources.delete(source);
  }

  #count(entry: Entry, oldestBucket: number): number {
    let sum = 0;
    for (let i = 0; i < this.#buckets; i++) if (entry.slots[i]! >= oldestBucket) sum += entry.counts[i]!;
    return sum;
  }

  #entriesOf(source: string): Map<string, Entry> {
    let entries = this.#sources.get(source);
    if (entries) {
      this.#sources.delete(source);
    } else {
      entries = new Map();
      if (this.#sources.size >= this.#maxSources) evictOldest(this.#sources);
    }
    this.#sources.set(source, entries);
    return entries;
  }
}

function evictOldest<V>(map: Map<string, V>): void {
  const oldest = map.keys().next();
  if (!oldest.done) map.delete(oldest.value);
}

function cut(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
}

function compareKeys(a: Entry, b: Entry): number {
  return a.event.localeCompare(b.event) || a.field.localeCompare(b.field) || a.kind.localeCompare(b.kind);
}
