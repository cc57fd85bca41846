import type { SegmentEvent } from '../../event.ts';
import { BusError, type BusDelivery, type Subscription } from '../types.ts';
import type { ConsumerKey, TakenEvent } from './consumers.ts';
import { LIMITS, checkCount, sleepFor } from './decide.ts';
import { settle } from './settle.ts';

/** What a subscription needs from the engine. */
export interface SubscriptionHost {
  readonly closed: boolean;
  now(): number;
  take(key: ConsumerKey, max: number, ackWaitMs: number): TakenEvent[];
  nextDueAt(key: ConsumerKey): number | undefined;
  lag(key: ConsumerKey): number;
  ack(key: ConsumerKey, seq: number): Promise<void>;
  nak(key: ConsumerKey, seq: number, attempt: number, delayMs: number): Promise<void>;
  wait(key: ConsumerKey, ms: number): Promise<void>;
  /** Ends the waits of fetches on this key's source early (they look again). */
  wake(key: ConsumerKey): void;
}

export class EmbeddedSubscription implements Subscription {
  readonly #host: SubscriptionHost;
  readonly #key: ConsumerKey;
  readonly #ackWaitMs: number;
  #closed = false;

  constructor(host: SubscriptionHost, key: ConsumerKey, ackWaitMs: number) {
    this.#host = host;
    this.#key = key;
    this.#ackWaitMs = ackWaitMs;
  }

  async fetch(max: number, waitMs: number): Promise<BusDelivery[]> {
    const n = checkCount('fetch size', max, 1, LIMITS.maxFetch);
    const wait = checkCount('fetch wait', waitMs, 0, LIMITS.maxWaitMs);
    this.#checkOpen();
    const deadline = performance.now() + wait;
    for (;;) {
      if (this.#closed || this.#host.closed) return [];
      const taken = this.#host.take(this.#key, n, this.#ackWaitMs);
      if (taken.length > 0) return taken.map((t) => new EmbeddedDelivery(this.#host, this.#key, t));
      const remaining = deadline - performance.now();
      if (remaining <= 0) return [];
      await this.#host.wait(this.#key, sleepFor(remaining, this.#host.nextDueAt(this.#key), this.#host.now()));
    }
  }

  lag(): Promise<number> {
    return settle(() => {
      this.#checkOpen();
      return this.#host.lag(this.#key);
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#host.wake(this.#key);
    return Promise.resolve();
  }

  #checkOpen(): void {
    if (this.#host.closed) throw new BusError(`reading ${this.#key.source.name} for ${this.#key.destination}: the bus is closed`, { kind: 'closed' });
    if (this.#closed) throw new BusError(`reading ${this.#key.source.name} for ${this.#key.destination}: the subscription is closed`, { kind: 'closed' });
  }
}

class EmbeddedDelivery implements BusDelivery {
  readonly source: string;
  readonly seq: number;
  readonly event: SegmentEvent;
  readonly attempt: number;
  readonly storedAt: number;
  readonly #host: SubscriptionHost;
  readonly #key: ConsumerKey;

  constructor(host: SubscriptionHost, key: ConsumerKey, taken: TakenEvent) {
    this.#host = host;
    this.#key = key;
    this.source = key.source.name;
    this.seq = taken.seq;
    this.attempt = taken.attempt;
    this.storedAt = taken.storedAt;
    this.event = JSON.parse(taken.body) as SegmentEvent;
  }

  ack(): Promise<void> {
    return this.#host.ack(this.#key, this.seq);
  }

  nak(delayMs: number): Promise<void> {
    return settle(() => this.#host.nak(this.#key, this.seq, this.attempt, checkCount('nak delay', delayMs, 0, LIMITS.maxDelayMs)));
  }
}
