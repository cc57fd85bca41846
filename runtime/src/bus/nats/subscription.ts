import type { Msg } from '@nats-io/transport-node';
import type { SegmentEvent } from '../../event.ts';
import { BusError, type BusDelivery, type Subscription } from '../types.ts';
import { LIMITS, checkCount, parseAckSubject, replayDue, waitSlice, type AckInfo } from './decide.ts';
import { pull } from './pull.ts';
import type { Link } from './link.ts';

/** What a subscription needs from the engine. */
export interface SubscriptionHost {
  readonly link: Link;
  readonly replayPollMs: number;
  now(): number;
  /** Acks, naks or terminates one delivery, awaiting the server's confirmation. */
  settle(doing: string, reply: string, verb: string): Promise<void>;
  /** Events stored and not yet acked by these consumers of the stream. */
  lag(doing: string, stream: string, consumers: string[]): Promise<number>;
  /** Whether the consumer exists (after a pull went unanswered). */
  consumerExists(stream: string, consumer: string): Promise<boolean>;
  warn(message: string): void;
}

export interface ConsumerKey {
  destination: string;
  source: string;
  stream: string;
  consumer: string;
  replayConsumer: string;
}

const decoder = new TextDecoder();

/**
 * Reads one (destination, source) pair from two durable consumers on the source stream:
 * the events, and the dead letters replayed for this destination (JetStream 2.9 has no
 * consumer with two filter subjects). Replays are looked for first, at most every
 * `replayPollMs` while none turn up.
 */
export class NatsSubscription implements Subscription {
  readonly #host: SubscriptionHost;
  readonly #key: ConsumerKey;
  readonly #abort = new AbortController();
  #lastReplayCheck: number | undefined;
  #replayFound = false;
  #closed = false;

  constructor(host: SubscriptionHost, key: ConsumerKey) {
    this.#host = host;
    this.#key = key;
  }

  async fetch(max: number, waitMs: number): Promise<BusDelivery[]> {
    const n = checkCount('fetch size', max, 1, LIMITS.maxFetch);
    const wait = checkCount('fetch wait', waitMs, 0, LIMITS.maxWaitMs);
    this.#checkOpen();
    const deadline = performance.now() + wait;
    try {
      let got = await this.#replays(n);
      if (got.length < n) got = await this.#more(got, this.#key.consumer, n - got.length);
      while (got.length === 0 && !this.#stopped) {
        const remaining = deadline - performance.now();
        if (remaining <= 0) break;
        const slice = waitSlice(remaining, this.#lastReplayCheck ?? 0, this.#host.now(), this.#host.replayPollMs);
        got = await this.#pull(this.#key.consumer, 1, slice);
        if (got.length > 0 && n > 1) got = await this.#more(got, this.#key.consumer, n - 1);
        if (got.length === 0) got = await this.#replays(n);
      }
      return this.#stopped ? [] : this.#deliveries(got);
    } catch (error) {
      if (this.#stopped) return [];
      throw await this.#explain(error);
    }
  }

  lag(): Promise<number> {
    this.#checkOpen();
    return this.#host.lag(this.#doing('counting the lag of'), this.#key.stream, [this.#key.consumer, this.#key.replayConsumer]);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#abort.abort();
    return Promise.resolve();
  }

  get #stopped(): boolean {
    return this.#closed || this.#host.link.closed;
  }

  async #replays(n: number): Promise<Msg[]> {
    const now = this.#host.now();
    if (!replayDue(this.#lastReplayCheck, this.#replayFound, now, this.#host.replayPollMs)) return [];
    this.#lastReplayCheck = now;
    const got = await this.#pull(this.#key.replayConsumer, n, 0);
    this.#replayFound = got.length > 0;
    return got;
  }

  /** Adds what is there at once; messages already in hand are returned even if that fails. */
  async #more(got: Msg[], consumer: string, n: number): Promise<Msg[]> {
    try {
      return got.concat(await this.#pull(consumer, n, 0));
    } catch (error) {
      if (got.length === 0) throw error;
      return got;
    }
  }

  /**
   * One pull. A silent one reads as empty (the server forgot the request; the next pull
   * asks again), unless it waited on the event consumer and that consumer is gone.
   */
  async #pull(consumer: string, batch: number, waitMs: number): Promise<Msg[]> {
    const r = await pull(this.#host.link, this.#doing('reading'), { stream: this.#key.stream, consumer, batch, waitMs, signal: this.#abort.signal });
    if (r.silent && waitMs > 0 && consumer === this.#key.consumer && !this.#stopped) {
      // No answer to this either: the server is unresponsive, and that is the error.
      if (!(await this.#host.consumerExists(this.#key.stream, consumer))) throw new BusError(`${this.#doing('reading')}: its consumer was deleted (subscribe again)`, { kind: 'unavailable' });
    }
    return r.msgs;
  }

  #deliveries(msgs: Msg[]): BusDelivery[] {
    const out: BusDelivery[] = [];
    for (const msg of msgs) {
      const info = parseAckSubject(msg.reply ?? '');
      let event: SegmentEvent | undefined;
      try {
        event = info && (JSON.parse(decoder.decode(msg.data)) as SegmentEvent);
      } catch {
        event = undefined;
      }
      if (!info || !event || typeof event !== 'object') {
        // Not an event this bus wrote: terminate it rather than redeliver it forever.
        this.#host.warn(`${this.#doing('reading')}: dropping an unreadable message on ${msg.subject} (${msg.data.length} bytes)`);
        if (msg.reply) void this.#host.settle(this.#doing('dropping a message of'), msg.reply, '+TERM').catch(() => undefined);
        continue;
      }
      out.push(new NatsDelivery(this.#host, this.#key, info, event, msg.reply!));
    }
    return out;
  }

  async #explain(error: unknown): Promise<BusError> {
    const e = error instanceof BusError ? error : new BusError(`${this.#doing('reading')}: ${String(error)}`, { kind: 'unavailable', cause: error });
    if (e.kind !== 'unavailable' || !this.#host.link.connected) return e;
    const exists = await this.#host.consumerExists(this.#key.stream, this.#key.consumer).catch(() => true);
    return exists ? e : new BusError(`${this.#doing('reading')}: its consumer was deleted (subscribe again)`, { kind: 'unavailable', cause: e });
  }

  #checkOpen(): void {
    const doing = this.#doing('reading');
    if (this.#host.link.closed) throw new BusError(`${doing}: the bus is closed`, { kind: 'closed' });
    if (this.#closed) throw new BusError(`${doing}: the subscription is closed`, { kind: 'closed' });
  }

  #doing(verb: string): string {
    return `${verb} ${this.#key.source} for ${this.#key.destination}`;
  }
}

class NatsDelivery implements BusDelivery {
  readonly source: string;
  readonly seq: number;
  readonly event: SegmentEvent;
  readonly attempt: number;
  readonly storedAt: number;
  readonly #host: SubscriptionHost;
  readonly #reply: string;
  readonly #destination: string;

  constructor(host: SubscriptionHost, key: ConsumerKey, info: AckInfo, event: SegmentEvent, reply: string) {
    this.#host = host;
    this.#reply = reply;
    this.#destination = key.destination;
    this.source = key.source;
    this.seq = info.streamSeq;
    this.attempt = info.delivered;
    this.storedAt = info.storedAt;
    this.event = event;
  }

  ack(): Promise<void> {
    return this.#host.settle(`acking ${this.source}#${this.seq} for ${this.#destination}`, this.#reply, '+ACK');
  }

  async nak(delayMs: number): Promise<void> {
    const delay = checkCount('nak delay', delayMs, 0, LIMITS.maxDelayMs);
    const verb = delay > 0 ? `-NAK ${JSON.stringify({ delay: delay * 1_000_000 })}` : '-NAK';
    await this.#host.settle(`retrying ${this.source}#${this.seq} for ${this.#destination}`, this.#reply, verb);
  }
}
