import type { SegmentEvent } from '../../event.ts';
import {
  BusError,
  type Bus,
  type BusLogger,
  type DeadLetterEntry,
  type DeadLetterInput,
  type PublishResult,
  type QuarantineEntry,
  type QuarantineInput,
  type SubscribeOptions,
  type Subscription,
} from '../types.ts';
import { MAX_RETENTION_MS, ensureSourceStreams, removeDestination, removeSource, type AdminContext } from './admin.ts';
import { DAY_MS, LIMITS, NATS_DEFAULTS, checkCount, checkName, consumerConfig, listLimit, type StreamSettings } from './decide.ts';
import { Holding } from './holding.ts';
import { Link, isMissing, orMissing } from './link.ts';
import { Names, token, type Token } from './names.ts';
import { publishAll, type Outbound } from './publish.ts';
import { ensureConsumer } from './streams.ts';
import { NatsSubscription, type ConsumerKey, type SubscriptionHost } from './subscription.ts';

export interface NatsBusOptions {
  /** NATS URL(s), e.g. nats://nats.sluice:4222. */
  servers: string | string[];
  /** Prefix of every stream and subject this bus uses (default SLUICE). */
  prefix?: string;
  /**
   * The namespace of the Sources and Destinations (a cluster's runtime pods): part of every
   * stream name and subject, so equal names in two namespaces never share one. Without it,
   * the names `sluice run` uses. The operator provisions with the same names (NatsAdmin.in).
   */
  namespace?: string;
  /** Connection name shown in the server's monitoring. */
  name?: string;
  /** Clock for the replay polling interval (tests move it). */
  now?: () => number;
  log?: BusLogger;
  /** Replicas of every stream and durable consumer: 1, or 3 on a three-node NATS cluster (default 1). */
  replicas?: number;
  /** How long a messageId is remembered for de-duplication, capped at the source's retention (default 10 min). */
  duplicateWindowMs?: number;
  /** How long dead letters are kept (default 7 days). */
  deadLetterRetentionMs?: number;
  /** Events handed out and not yet acked, per consumer, before the server stops handing out more (default 20,000). */
  maxAckPending?: number;
  /** Bound on every request to the server (default 5 s). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How often an idle subscription looks for replayed dead letters (default 1 s). */
  replayPollMs?: number;
}

export interface NatsBus extends Bus {
  readonly engine: 'nats';
  /** Whether the connection is up now (calls fail fast with `unavailable` while it is not). */
  readonly connected: boolean;
}

/**
 * Opens the bus on NATS JetStream (server 2.9 or later). Layout in names.ts.
 *
 * Durability: a PubAck means the server wrote the event to its file store (file storage,
 * written through to the OS before the acknowledgement), so it survives the server process
 * being killed; nats-server 2.9 fsyncs its files every 2 minutes (not configurable before
 * 2.10's sync_interval), so a machine crash can lose what was acknowledged since. With
 * `replicas: 3` a PubAck means a majority of the cluster stored it.
 *
 * De-duplication: Nats-Msg-Id = messageId; the server remembers ids for the stream's
 * duplicate window in memory (roughly 150 bytes per id), hence a default of 10 minutes
 * rather than the embedded engine's 24 hours: it covers SDK retries after a 503 or a
 * timeout, and costs about 90 MB per 1,000 events/s sustained.
 *
 * Dead-letter replay: JetStream 2.9 has no consumer with two filter subjects, so a
 * replayed dead letter goes back on its source stream under a subject only that
 * destination's second (replay) consumer reads; other destinations never see it.
 */
export async function openNatsBus(opts: NatsBusOptions): Promise<NatsBus> {
  const names = new Names(opts.prefix ?? NATS_DEFAULTS.prefix, opts.namespace);
  checkOptions(opts);
  const link = await Link.open({
    servers: opts.servers,
    name: opts.name ?? 'sluice',
    requestTimeoutMs: opts.requestTimeoutMs ?? 5_000,
    connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
    ...(opts.log ? { log: opts.log } : {}),
  });
  return new JetStreamBus(link, names, opts);
}

function checkOptions(o: NatsBusOptions): void {
  const bounded: [string, number | undefined, number, number][] = [
    ['replicas', o.replicas, 1, 5],
    ['duplicate window', o.duplicateWindowMs, 1, DAY_MS],
    ['dead-letter retention', o.deadLetterRetentionMs, 1, MAX_RETENTION_MS],
    ['max ack pending', o.maxAckPending, 1, 1_000_000],
    ['request timeout', o.requestTimeoutMs, 1, 600_000],
    ['connect timeout', o.connectTimeoutMs, 1, 600_000],
    ['replay poll interval', o.replayPollMs, 1, 600_000],
  ];
  for (const [what, value, min, max] of bounded) {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new BusError(`opening the NATS bus: ${what} must be an integer from ${min} to ${max}, got ${value}`, { kind: 'invalid' });
    }
  }
}

const encoder = new TextEncoder();
/** Room for the subject, reply and headers next to the payload in one protocol message. */
const MESSAGE_OVERHEAD = 512;

class JetStreamBus implements NatsBus, SubscriptionHost {
  readonly engine = 'nats' as const;
  readonly link: Link;
  readonly replayPollMs: number;
  readonly #names: Names;
  readonly #clock: () => number;
  readonly #log: BusLogger | undefined;
  readonly #streams: StreamSettings;
  readonly #maxAckPending: number;
  readonly #holding: Holding;
  readonly #admin: AdminContext;
  /** Sources known to exist: ensured here, or found on the server. */
  readonly #known = new Map<string, Token>();

  constructor(link: Link, names: Names, opts: NatsBusOptions) {
    this.link = link;
    this.#names = names;
    this.#clock = opts.now ?? Date.now;
    this.#log = opts.log;
    this.replayPollMs = opts.replayPollMs ?? 1_000;
    this.#maxAckPending = opts.maxAckPending ?? NATS_DEFAULTS.maxAckPending;
    this.#streams = { duplicateWindowMs: opts.duplicateWindowMs ?? NATS_DEFAULTS.duplicateWindowMs, replicas: opts.replicas ?? NATS_DEFAULTS.replicas };
    this.#holding = new Holding({ link, names, streams: this.#streams, deadLetterRetentionMs: opts.deadLetterRetentionMs ?? NATS_DEFAULTS.deadLetterRetentionMs });
    this.#admin = { link, names, streams: this.#streams, holding: this.#holding };
  }

  get connected(): boolean {
    return this.link.connected;
  }

  now(): number {
    return this.#clock();
  }

  async ensureSource(source: string, opts: { retentionMs: number }): Promise<void> {
    const tok = await ensureSourceStreams(this.#admin, source, opts.retentionMs);
    this.#known.set(source, tok);
  }

  async publish(source: string, events: SegmentEvent[]): Promise<PublishResult> {
    const doing = `publishing to ${source}`;
    this.link.guard(doing);
    if (events.length > LIMITS.maxPublishEvents) {
      throw new BusError(`${doing}: ${events.length} events in one call, at most ${LIMITS.maxPublishEvents}`, { kind: 'invalid' });
    }
    const tok = await this.#source(source, doing);
    if (events.length === 0) return { stored: 0, duplicates: 0 };
    const subject = this.#names.eventSubject(tok);
    const room = (this.link.nc.info?.max_payload ?? 1_048_576) - MESSAGE_OVERHEAD;
    const items = events.map((event): Outbound => {
      const msgId = event.messageId;
      if (typeof msgId !== 'string' || msgId.length === 0 || msgId.length > LIMITS.maxMessageIdLength) {
        throw new BusError(`${doing}: messageId must be 1 to ${LIMITS.maxMessageIdLength} characters`, { kind: 'invalid' });
      }
      const body = encoder.encode(JSON.stringify(event));
      if (body.length + msgId.length > room) {
        throw new BusError(`${doing}: event ${msgId} is ${body.length} bytes, the NATS server takes at most ${room}`, { kind: 'invalid' });
      }
      return { subject, body, msgId };
    });
    const r = await publishAll(this.link, doing, items);
    if (r.noStream) throw await this.#lostSource(source, doing);
    return { stored: r.stored, duplicates: r.duplicates };
  }

  async quarantine(source: string, entries: QuarantineInput[]): Promise<void> {
    const doing = `quarantining for ${source}`;
    this.link.guard(doing);
    const tok = await this.#source(source, doing);
    try {
      await this.#holding.quarantine(tok, source, entries);
    } catch (error) {
      if (error instanceof BusError && error.kind === 'unknown-source') this.#known.delete(source);
      throw error;
    }
  }

  listQuarantine(source: string, opts: { limit?: number } = {}): Promise<QuarantineEntry[]> {
    return this.#run(`listing the quarantine of ${source}`, () => {
      checkName('source', source);
      return this.#holding.listQuarantine(token(source), source, listLimit(opts.limit));
    });
  }

  async subscribe(destination: string, source: string, opts: SubscribeOptions): Promise<Subscription> {
    const doing = `subscribing ${destination} to ${source}`;
    this.link.guard(doing);
    checkName('destination', destination);
    const ackWaitMs = checkCount('ackWait', opts.ackWaitMs, 1, LIMITS.maxDelayMs);
    const tok = await this.#source(source, doing);
    const dest = token(destination);
    const n = this.#names;
    const key: ConsumerKey = { destination, source, stream: n.sourceStream(tok), consumer: n.consumer(dest, tok), replayConsumer: n.replayConsumer(dest, tok) };
    const s = { ackWaitMs, maxAckPending: this.#maxAckPending, replicas: this.#streams.replicas };
    try {
      await Promise.all([
        ensureConsumer(this.link, doing, key.stream, consumerConfig(key.consumer, n.eventSubject(tok), `Sluice: ${source} for ${destination}`, opts.startFrom, s)),
        ensureConsumer(this.link, doing, key.stream, consumerConfig(key.replayConsumer, n.replaySubject(tok, dest), `Sluice: replayed dead letters of ${source} for ${destination}`, 'all', s)),
      ]);
    } catch (error) {
      if (error instanceof BusError && isMissing(error.cause)) throw await this.#lostSource(source, doing);
      throw error;
    }
    return new NatsSubscription(this, key);
  }

  deadLetter(destination: string, entries: DeadLetterInput[]): Promise<void> {
    return this.#run(`dead-lettering for ${destination}`, () => this.#holding.deadLetter(destination, entries));
  }

  listDeadLetters(destination: string, opts: { limit?: number } = {}): Promise<DeadLetterEntry[]> {
    return this.#run(`listing the dead letters of ${destination}`, () => this.#holding.listDeadLetters(destination, listLimit(opts.limit)));
  }

  replayDeadLetters(destination: string): Promise<number> {
    return this.#run(`replaying the dead letters of ${destination}`, () => {
      const dest = token(destination);
      return this.#holding.replayDeadLetters(destination, (source) => this.consumerExists(this.#names.sourceStream(source), this.#names.replayConsumer(dest, source)));
    });
  }

  deleteSource(source: string): Promise<void> {
    this.#known.delete(source);
    return removeSource(this.#admin, source);
  }

  deleteDestination(destination: string): Promise<void> {
    return removeDestination(this.#admin, destination);
  }

  async close(): Promise<void> {
    await this.link.close();
  }

  // SubscriptionHost

  async settle(doing: string, reply: string, verb: string): Promise<void> {
    this.link.guard(doing);
    const answer = await this.link.inbox.request(doing, { subject: reply, data: encoder.encode(verb) }, this.link.requestTimeoutMs);
    const code = answer.headers?.code ?? 0;
    if (code === 503) throw new BusError(`${doing}: its consumer no longer exists`, { kind: 'unavailable' });
    if (code !== 0) throw new BusError(`${doing}: status ${code} ${answer.headers?.description ?? ''}`.trimEnd(), { kind: 'unavailable' });
  }

  lag(doing: string, stream: string, consumers: string[]): Promise<number> {
    return this.link.api(doing, async (jsm) => {
      const infos = await Promise.all(consumers.map((c) => orMissing(jsm.consumers.info(stream, c))));
      return infos.reduce((sum, ci) => sum + (ci ? ci.num_pending + ci.num_ack_pending : 0), 0);
    });
  }

  async consumerExists(stream: string, consumer: string): Promise<boolean> {
    return (await this.link.api(`looking up consumer ${consumer}`, (jsm) => orMissing(jsm.consumers.info(stream, consumer)))) !== undefined;
  }

  warn(message: string): void {
    this.#log?.('warn', message);
  }

  /** The token of a source that exists, or `unknown-source`. */
  async #source(source: string, doing: string): Promise<Token> {
    const known = this.#known.get(source);
    if (known) return known;
    checkName('source', source);
    const tok = token(source);
    const si = await this.link.api(doing, (jsm) => orMissing(jsm.streams.info(this.#names.sourceStream(tok))));
    if (!si) throw new BusError(`${doing}: unknown source (ensureSource first)`, { kind: 'unknown-source' });
    this.#known.set(source, tok);
    return tok;
  }

  /** After the server said no stream takes a source's subject: deleted elsewhere, or something else is wrong. */
  async #lostSource(source: string, doing: string): Promise<BusError> {
    this.#known.delete(source);
    try {
      await this.#source(source, doing);
      return new BusError(`${doing}: the source stream exists but did not take the events`, { kind: 'unavailable' });
    } catch (error) {
      return error instanceof BusError ? error : new BusError(`${doing}: ${String(error)}`, { kind: 'unavailable', cause: error });
    }
  }

  async #run<T>(doing: string, fn: () => Promise<T>): Promise<T> {
    this.link.guard(doing);
    return fn();
  }
}
