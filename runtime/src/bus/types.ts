import type { SegmentEvent } from '../event.ts';
import type { Violation } from '../plan/types.ts';

/**
 * The event bus. Two engines implement it (embedded SQLite, NATS JetStream) and both pass
 * the same contract suite (contract.ts). Delivery is at-least-once: an event fetched and
 * not acked is delivered again after ackWait or a restart.
 */
export interface Bus {
  readonly engine: 'embedded' | 'nats';
  /** Creates (or updates) the storage for a Source. Idempotent. */
  ensureSource(source: string, opts: { retentionMs: number }): Promise<void>;
  /**
   * Stores events durably; resolves only once every one is persisted. Events whose
   * messageId was already stored for that source are counted as duplicates and not stored
   * twice, within the engine's de-duplication window (never longer than the retention;
   * the embedded engine keeps 24h by default, NATS its stream's duplicate window).
   * Rejects with a BusError: `unknown-source` before ensureSource, `unavailable` when the
   * events could not be stored (the ingest answers 503 and SDKs retry).
   */
  publish(source: string, events: SegmentEvent[]): Promise<PublishResult>;
  /** Keeps events the tracking plan blocked, with why, for inspection and replay. */
  quarantine(source: string, entries: QuarantineInput[]): Promise<void>;
  listQuarantine(source: string, opts?: { limit?: number }): Promise<QuarantineEntry[]>;
  /**
   * A durable consumer for (destination, source). Created on first use starting at
   * `startFrom`; afterwards it resumes where it left off.
   */
  subscribe(destination: string, source: string, opts: SubscribeOptions): Promise<Subscription>;
  deadLetter(destination: string, entries: DeadLetterInput[]): Promise<void>;
  listDeadLetters(destination: string, opts?: { limit?: number }): Promise<DeadLetterEntry[]>;
  /** Re-publishes dead-lettered events to the destination's consumers and removes them. Returns how many. */
  replayDeadLetters(destination: string): Promise<number>;
  /** Removes a Source's events, quarantine and consumers. */
  deleteSource(source: string): Promise<void>;
  /** Removes a Destination's consumers and dead letters. */
  deleteDestination(destination: string): Promise<void>;
  close(): Promise<void>;
}

export interface PublishResult {
  stored: number;
  duplicates: number;
}

export type StartFrom = { kind: 'now' } | { kind: 'time'; time: Date };

export interface SubscribeOptions {
  startFrom: StartFrom;
  /** How long a fetched, unacknowledged event stays invisible before it is redelivered. */
  ackWaitMs: number;
}

export interface Subscription {
  /** Up to `max` events, waiting at most `waitMs` for the first. */
  fetch(max: number, waitMs: number): Promise<BusDelivery[]>;
  /** Events stored for the source and not yet acknowledged by this consumer. */
  lag(): Promise<number>;
  close(): Promise<void>;
}

export interface BusDelivery {
  readonly source: string;
  readonly seq: number;
  readonly event: SegmentEvent;
  /** 1 on the first delivery, then counts redeliveries. */
  readonly attempt: number;
  /**
   * When the bus stored the event (ms since epoch): retry age is measured from here. A
   * replayed dead letter carries the time of the replay, so it gets a fresh retry budget.
   */
  readonly storedAt: number;
  ack(): Promise<void>;
  /** Redeliver no sooner than `delayMs` from now. */
  nak(delayMs: number): Promise<void>;
}

export interface QuarantineInput {
  event: SegmentEvent;
  violations: Violation[];
}
export interface QuarantineEntry extends QuarantineInput {
  source: string;
  at: number;
}

export interface DeadLetterInput {
  source: string;
  event: SegmentEvent;
  reason: string;
  status?: number;
  bodyExcerpt?: string;
  attempts: number;
}
export interface DeadLetterEntry extends DeadLetterInput {
  destination: string;
  at: number;
}

/** What went wrong in a bus call; callers branch on `kind`, never on the message. */
export type BusErrorKind =
  /** The storage cannot take the write now (disk, connection): retry later, answer 503. */
  | 'unavailable'
  /** The bus was closed. */
  | 'closed'
  /** publish/quarantine/subscribe before ensureSource. */
  | 'unknown-source'
  /** An argument out of bounds (batch too large, empty messageId, …). */
  | 'invalid';

export class BusError extends Error {
  readonly kind: BusErrorKind;

  constructor(message: string, opts: { kind: BusErrorKind; cause?: unknown }) {
    super(message, { cause: opts.cause });
    this.name = 'BusError';
    this.kind = opts.kind;
  }
}

/** How engines report what operators should know (recovery, pruning, slow commits). */
export type BusLogger = (level: 'info' | 'warn' | 'error', message: string) => void;
