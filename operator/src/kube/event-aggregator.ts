import { TokenBucket } from './backoff.ts';

/**
 * Decides, for each event a controller reports, whether to create a Kubernetes Event, fold
 * it into an existing one's series (same object, type, reason, action and note within
 * `windowMs`), or drop it because that object has emitted too many distinct events lately.
 * Pure: the caller passes the clock.
 */
export type EventDecision =
  | { kind: 'create' }
  /** Join the series; write its count in `writeInMs` (the Event may still be being created). */
  | { kind: 'series'; count: number; writeInMs: number }
  | { kind: 'drop' };

export interface AggregatorOptions {
  /** Repeats within this window join the series. Default 6 min (client-go's). */
  windowMs?: number;
  /** At most one series write per event per this long; later repeats wait. Default 30 s. */
  flushMs?: number;
  /** Distinct events an object may emit at once, then one per `refillMs`. Default 25, 5 min. */
  burst?: number;
  refillMs?: number;
  /** Bounds memory: the least recently seen series are forgotten past this. Default 4096. */
  maxTracked?: number;
}

interface Series {
  name: string | undefined;
  count: number;
  lastObserved: number;
  lastWritten: number;
}

export class EventAggregator {
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly o: Required<AggregatorOptions>;

  constructor(opts: AggregatorOptions = {}) {
    this.o = { windowMs: 360_000, flushMs: 30_000, burst: 25, refillMs: 300_000, maxTracked: 4096, ...opts };
  }

  /** `objectKey` identifies the regarding object (its uid); `eventKey` the event within it. */
  observe(objectKey: string, eventKey: string, now: number): EventDecision {
    const key = `${objectKey}\u0000${eventKey}`;
    const s = this.series.get(key);
    if (s && now - s.lastObserved <= this.o.windowMs) {
      s.count++;
      s.lastObserved = now;
      this.touch(key, s);
      return { kind: 'series', count: s.count, writeInMs: Math.max(0, s.lastWritten + this.o.flushMs - now) };
    }
    let bucket = this.buckets.get(objectKey);
    if (!bucket) {
      bucket = new TokenBucket(1000 / this.o.refillMs, this.o.burst, now);
      this.buckets.set(objectKey, bucket);
    }
    if (!bucket.tryTake(now)) return { kind: 'drop' };
    this.touch(key, { name: undefined, count: 1, lastObserved: now, lastWritten: now });
    return { kind: 'create' };
  }

  /** Records the name the API server gave the created Event, so repeats can join it. */
  created(objectKey: string, eventKey: string, name: string): void {
    const s = this.series.get(`${objectKey}\u0000${eventKey}`);
    if (s) s.name = name;
  }

  /** Records a series write. */
  written(objectKey: string, eventKey: string, now: number): void {
    const s = this.series.get(`${objectKey}\u0000${eventKey}`);
    if (s) s.lastWritten = now;
  }

  /** The Event's name (once created) and the series count a write should send now. */
  current(objectKey: string, eventKey: string): { name: string | undefined; count: number } | undefined {
    const s = this.series.get(`${objectKey}\u0000${eventKey}`);
    return s && { name: s.name, count: s.count };
  }

  /** Forgets a series whose Event vanished (expired by the server's TTL), so the next repeat creates anew. */
  forget(objectKey: string, eventKey: string): void {
    this.series.delete(`${objectKey}\u0000${eventKey}`);
  }

  private touch(key: string, s: Series): void {
    this.series.delete(key);
    this.series.set(key, s);
    while (this.series.size > this.o.maxTracked) {
      const oldest = this.series.keys().next().value;
      if (oldest === undefined) break;
      this.series.delete(oldest);
    }
    if (this.buckets.size > this.o.maxTracked) this.buckets.clear();
  }
}
