import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SegmentEvent } from '../event.ts';
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
} from './types.ts';
import { ConsumerStore, type ConsumerKey, type TakenEvent } from './embedded/consumers.ts';
import { hashId } from './embedded/dedup.ts';
import { LIMITS, checkCount, checkName, initialCursor, lagOf, listLimit } from './embedded/decide.ts';
import { Holding, type PreparedQuarantine } from './embedded/holding.ts';
import { EventLog, type SourceState } from './embedded/log.ts';
import { prepareDeadLetter, prepareEvent } from './embedded/prepare.ts';
import { pruneAll } from './embedded/prune.ts';
import { settle, yieldToLoop } from './embedded/settle.ts';
import { Checkpointer } from './embedded/checkpointer.ts';
import { applyPragmas, migrate, takeOwnership } from './embedded/schema.ts';
import { EmbeddedSubscription, type SubscriptionHost } from './embedded/subscription.ts';
import { Waiters } from './embedded/waiters.ts';
import { GroupCommitWriter, type WriterStats } from './embedded/writer.ts';

export interface EmbeddedBusOptions {
  /** The SQLite file; its directory is created when missing. */
  path: string;
  /** Clock for stored_at, visibility and retention (tests move it). */
  now?: () => number;
  log?: BusLogger;
  /** normal (default) survives a killed process; full also survives power loss, far slower. See schema.ts. */
  synchronous?: 'normal' | 'full';
  /** Share one commit between writes queued in the same event-loop turn (default true). */
  groupCommit?: boolean;
  /** Least time between the starts of two group commits, ms (default 1): under load more writes share a commit. */
  commitIntervalMs?: number;
  /** How often events past their source's retention are deleted (default 60 s). */
  pruneIntervalMs?: number;
  /** Pause between background WAL checkpoint passes while the WAL grows (default 25 ms; ten times that when idle). */
  checkpointIntervalMs?: number;
  /** How long a messageId is remembered for de-duplication (default 24 h, bounded by dedupMaxEntries). */
  dedupWindowMs?: number;
  /** messageIds remembered per source and generation (default 2,000,000: at most 64 MiB). */
  dedupMaxEntries?: number;
}

export interface EmbeddedBusStats extends WriterStats {
  sources: number;
  dedupEntries: number;
  waitingFetches: number;
}

export interface EmbeddedBus extends Bus {
  readonly engine: 'embedded';
  stats(): EmbeddedBusStats;
  /** Deletes what is past retention now (it also runs on a timer). */
  prune(): Promise<void>;
}

const DAY_MS = 86_400_000;
/** Dead letters of a source that no longer exists are kept this long. */
const STRAY_RETENTION_MS = 7 * DAY_MS;
/** A group commit holds at most this many events: about 25 ms of event loop at ~5 µs an event. */
const MAX_GROUP_EVENTS = 5_000;
const REPLAY_CHUNK = 500;

/** Opens (creating if needed) the embedded bus: SQLite through node:sqlite, WAL, one owning process. */
export function openEmbeddedBus(opts: EmbeddedBusOptions): Promise<EmbeddedBus> {
  try {
    return Promise.resolve(new SqliteBus(opts));
  } catch (cause) {
    if (cause instanceof BusError) return Promise.reject(cause);
    const held = /locked|busy/i.test((cause as Error).message) ? ' (another process holds it: one bus file per process)' : '';
    return Promise.reject(new BusError(`opening the bus at ${opts.path}: ${(cause as Error).message}${held}`, { kind: 'unavailable', cause }));
  }
}

class SqliteBus implements EmbeddedBus, SubscriptionHost {
  readonly engine = 'embedded' as const;
  readonly #db: DatabaseSync;
  readonly #clock: () => number;
  readonly #log: BusLogger | undefined;
  readonly #writer: GroupCommitWriter;
  readonly #events: EventLog;
  readonly #consumers: ConsumerStore;
  readonly #holding: Holding;
  readonly #waiters = new Waiters();
  readonly #timer: NodeJS.Timeout;
  readonly #lock: DatabaseSync;
  readonly #checkpointer: Checkpointer;
  #pruning: Promise<void> | undefined;
  #closed = false;

  constructor(opts: EmbeddedBusOptions) {
    this.#clock = opts.now ?? Date.now;
    this.#log = opts.log;
    mkdirSync(dirname(opts.path), { recursive: true });
    this.#lock = takeOwnership(opts.path);
    try {
      this.#db = new DatabaseSync(opts.path, { timeout: 2_000 });
    } catch (error) {
      this.#lock.close();
      throw error;
    }
    try {
      applyPragmas(this.#db, { synchronous: opts.synchronous ?? 'normal' });
      migrate(this.#db, opts.path);
      this.#events = new EventLog(this.#db, {
        windowMs: opts.dedupWindowMs ?? DAY_MS,
        maxEntries: opts.dedupMaxEntries ?? 2_000_000,
        onEarlyRotation: (source) => this.#log?.('warn', `de-duplicating ${source}: more than the configured maximum of messageIds in the window; keeping fewer`),
      });
      this.#consumers = new ConsumerStore(this.#db, this.#events);
      this.#holding = new Holding(this.#db);
      this.#writer = new GroupCommitWriter(this.#db, { group: opts.groupCommit ?? true, maxWeight: MAX_GROUP_EVENTS, intervalMs: opts.commitIntervalMs ?? 1, ...(opts.log ? { log: opts.log } : {}) });
      this.#events.load(this.#clock());
      const released = this.#consumers.releaseInFlight();
      if (released > 0) this.#log?.('info', `bus recovery: ${released} events were in flight when the last process stopped; delivering them again`);
    } catch (error) {
      this.#db.close();
      this.#lock.close();
      throw error;
    }
    this.#checkpointer = new Checkpointer(opts.path, { intervalMs: opts.checkpointIntervalMs ?? 25, ...(opts.log ? { log: opts.log } : {}) });
    this.#timer = setInterval(() => void this.prune().catch((e: unknown) => this.#log?.('error', `pruning the bus: ${(e as Error).message}`)), opts.pruneIntervalMs ?? 60_000);
    this.#timer.unref();
  }

  get closed(): boolean {
    return this.#closed;
  }

  now(): number {
    return this.#clock();
  }

  ensureSource(source: string, opts: { retentionMs: number }): Promise<void> {
    return settle(() => {
      this.#checkOpen();
      checkName('source', source);
      const retentionMs = checkCount('retention', opts.retentionMs, 1, Number.MAX_SAFE_INTEGER);
      this.#writer.transact((tx) => this.#events.ensure(tx, source, retentionMs, this.#clock()));
    });
  }

  publish(source: string, events: SegmentEvent[]): Promise<PublishResult> {
    return settle(() => this.#publish(source, events));
  }

  #publish(source: string, events: SegmentEvent[]): PublishResult | Promise<PublishResult> {
    const state = this.#source(source, 'publishing to');
    if (events.length > LIMITS.maxPublishEvents) {
      throw new BusError(`publishing to ${source}: ${events.length} events in one call, at most ${LIMITS.maxPublishEvents}`, { kind: 'invalid' });
    }
    if (events.length === 0) return { stored: 0, duplicates: 0 };
    const prepared = events.map(prepareEvent);
    return this.#writer.enqueue((tx) => {
      this.#still(state, 'publishing to');
      const result = this.#events.append(tx, state, prepared, this.#clock());
      if (result.stored > 0) {
        tx.onCommit(() => {
          this.#waiters.wake(state.id);
          this.#checkpointer.noteWrites(result.stored);
        });
      }
      return result;
    }, events.length);
  }

  async quarantine(source: string, entries: QuarantineInput[]): Promise<void> {
    const state = this.#source(source, 'quarantining for');
    checkCount('quarantine entries', entries.length, 0, LIMITS.maxPublishEvents);
    if (entries.length === 0) return;
    const prepared: PreparedQuarantine[] = entries.map((e) => ({ body: JSON.stringify(e.event), violations: JSON.stringify(e.violations) }));
    await this.#writer.enqueue((tx) => {
      this.#still(state, 'quarantining for');
      this.#holding.quarantine(state, prepared, this.#clock());
      tx.onCommit(() => this.#checkpointer.noteWrites(prepared.length));
    }, entries.length);
  }

  listQuarantine(source: string, opts: { limit?: number } = {}): Promise<QuarantineEntry[]> {
    return settle(() => {
      this.#checkOpen();
      const limit = listLimit(opts.limit);
      const state = this.#events.sources.get(source);
      return state ? this.#holding.listQuarantine(state, limit) : [];
    });
  }

  subscribe(destination: string, source: string, opts: SubscribeOptions): Promise<Subscription> {
    return settle(() => this.#subscribe(destination, source, opts));
  }

  #subscribe(destination: string, source: string, opts: SubscribeOptions): Subscription {
    checkName('destination', destination);
    const state = this.#source(source, `subscribing ${destination} to`);
    const ackWaitMs = checkCount('ackWait', opts.ackWaitMs, 1, LIMITS.maxDelayMs);
    const key: ConsumerKey = { destination, source: state };
    this.#writer.transact(() => {
      if (this.#consumers.cursor(key) !== undefined) return;
      const cursor = initialCursor(opts.startFrom, state.lastSeq, (t) => this.#events.firstSeqStoredAtOrAfter(state, t));
      this.#consumers.create(key, cursor, this.#clock());
    });
    return new EmbeddedSubscription(this, key, ackWaitMs);
  }

  async deadLetter(destination: string, entries: DeadLetterInput[]): Promise<void> {
    this.#checkOpen();
    checkName('destination', destination);
    checkCount('dead letters', entries.length, 0, LIMITS.maxPublishEvents);
    if (entries.length === 0) return;
    const prepared = entries.map(prepareDeadLetter);
    await this.#writer.enqueue(() => {
      const at = this.#clock();
      for (const e of prepared) {
        const state = this.#events.sources.get(e.source);
        const seq = state && this.#events.find(state, { messageId: e.messageId, hash: hashId(e.messageId) });
        this.#holding.deadLetter(destination, e, seq, at);
      }
    }, entries.length);
  }

  listDeadLetters(destination: string, opts: { limit?: number } = {}): Promise<DeadLetterEntry[]> {
    return settle(() => {
      this.#checkOpen();
      return this.#holding.listDeadLetters(destination, listLimit(opts.limit));
    });
  }

  async replayDeadLetters(destination: string): Promise<number> {
    this.#checkOpen();
    let replayed = 0;
    let afterId = 0;
    for (;;) {
      const rows = this.#holding.deadLettersAfter(destination, afterId, REPLAY_CHUNK);
      if (rows.length === 0) return replayed;
      afterId = rows.at(-1)!.id;
      const woken = new Set<number>();
      this.#writer.transact((tx) => {
        const now = this.#clock();
        for (const row of rows) {
          const state = this.#events.sources.get(row.source);
          const key = state && { destination, source: state };
          // Without a consumer (the destination no longer reads that source) the entry stays listed.
          if (!key || this.#consumers.cursor(key) === undefined) continue;
          this.#consumers.replay(key, row.seq ?? -row.id, row.body, now);
          this.#holding.removeDeadLetter(row.id);
          woken.add(key.source.id);
          replayed++;
        }
        tx.onCommit(() => woken.forEach((id) => this.#waiters.wake(id)));
      });
      await yieldToLoop();
      this.#checkOpen();
    }
  }

  async deleteSource(source: string): Promise<void> {
    this.#checkOpen();
    const state = this.#events.sources.get(source);
    if (!state) return;
    this.#writer.transact((tx) => {
      this.#consumers.deleteSource(state);
      this.#holding.deleteSource(state);
      this.#events.retire(tx, state);
      tx.onCommit(() => this.#waiters.wake(state.id));
    });
    await this.#purgeRetired(state.id);
  }

  deleteDestination(destination: string): Promise<void> {
    return settle(() => {
      this.#checkOpen();
      this.#writer.transact(() => {
        this.#consumers.deleteDestination(destination);
        this.#holding.deleteDestination(destination);
      });
    });
  }

  prune(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#pruning ??= pruneAll({
      now: this.#clock,
      closed: () => this.#closed,
      sources: () => [...this.#events.sources.values()],
      transact: (fn) => this.#writer.transact(fn),
      events: this.#events,
      consumers: this.#consumers,
      holding: this.#holding,
      purgeRetired: (id) => this.#purgeRetired(id),
      strayRetentionMs: STRAY_RETENTION_MS,
      log: this.#log,
    }).finally(() => (this.#pruning = undefined));
    return this.#pruning;
  }

  stats(): EmbeddedBusStats {
    let dedupEntries = 0;
    for (const s of this.#events.sources.values()) dedupEntries += s.dedup.size;
    return { ...this.#writer.stats, commitMsHistogram: [...this.#writer.stats.commitMsHistogram], sources: this.#events.sources.size, dedupEntries, waitingFetches: this.#waiters.size };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    clearInterval(this.#timer);
    this.#closed = true;
    // A failing prune pass was already logged by the timer; it must not fail the close.
    await this.#pruning?.catch(() => undefined);
    this.#writer.close();
    this.#waiters.wakeAll();
    await this.#checkpointer.stop();
    try {
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch (error) {
      this.#log?.('warn', `checkpointing the bus on close: ${(error as Error).message}`);
    }
    this.#db.close();
    this.#lock.close();
  }

  // SubscriptionHost: the engine side of subscriptions and deliveries.

  take(key: ConsumerKey, max: number, ackWaitMs: number): TakenEvent[] {
    this.#checkOpen();
    return this.#writer.transact(() => this.#consumers.take(key, max, this.#clock(), ackWaitMs));
  }

  nextDueAt(key: ConsumerKey): number | undefined {
    return this.#consumers.nextDueAt(key);
  }

  lag(key: ConsumerKey): number {
    const cursor = this.#consumers.cursor(key);
    if (cursor === undefined) return 0;
    const firstSeq = this.#events.firstSeq(key.source);
    return lagOf({ lastSeq: key.source.lastSeq, firstSeq, cursor, unacked: this.#consumers.unacked(key, firstSeq) });
  }

  ack(key: ConsumerKey, seq: number): Promise<void> {
    return this.#writer.enqueue(() => this.#consumers.ack(key, seq));
  }

  nak(key: ConsumerKey, seq: number, attempt: number, delayMs: number): Promise<void> {
    return this.#writer.enqueue((tx) => {
      this.#consumers.nak(key, seq, attempt, this.#clock() + delayMs);
      tx.onCommit(() => this.#waiters.wake(key.source.id));
    });
  }

  wait(key: ConsumerKey, ms: number): Promise<void> {
    return this.#waiters.wait(key.source.id, ms);
  }

  wake(key: ConsumerKey): void {
    this.#waiters.wake(key.source.id);
  }

  async #purgeRetired(id: number): Promise<void> {
    while (!this.#closed) {
      const n = this.#writer.transact(() => this.#events.purgeRetiredChunk(id) + this.#holding.purgeRetiredChunk(id));
      if (n === 0) return;
      await yieldToLoop();
    }
  }

  #source(name: string, doing: string): SourceState {
    this.#checkOpen();
    const state = this.#events.sources.get(name);
    if (!state) throw new BusError(`${doing} ${name}: unknown source (ensureSource first)`, { kind: 'unknown-source' });
    return state;
  }

  /** Inside a queued write: the source may have been deleted since the call. */
  #still(state: SourceState, doing: string): void {
    if (this.#events.sources.get(state.name) !== state) {
      throw new BusError(`${doing} ${state.name}: the source was deleted`, { kind: 'unknown-source' });
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new BusError('using the bus: it is closed', { kind: 'closed' });
  }
}
