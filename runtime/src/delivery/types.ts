import type { TSchema } from '@sinclair/typebox';
import type { SegmentEvent } from '../event.ts';

/**
 * How a failed delivery is handled: retryable errors back off and retry until maxAge;
 * the others are dead-lettered at once with the reason.
 */
export type DeliveryErrorKind = 'retryable' | 'permanent' | 'auth' | 'payload';

export class DeliveryError extends Error {
  readonly kind: DeliveryErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly bodyExcerpt: string | undefined;
  /** A short machine code when there is no HTTP status: ECONNREFUSED, timeout, aborted, … */
  readonly code: string | undefined;

  constructor(
    message: string,
    opts: { kind: DeliveryErrorKind; status?: number; retryAfterMs?: number; bodyExcerpt?: string; code?: string; cause?: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'DeliveryError';
    this.kind = opts.kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.bodyExcerpt = opts.bodyExcerpt;
    this.code = opts.code;
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

/** One event on its way out: the original and the payload produced by mapping/function. */
export interface OutboundEvent {
  messageId: string;
  event: SegmentEvent;
  payload: unknown;
}

export type SendResult = { ok: true } | { ok: false; error: DeliveryError };

/** An HTTP request as a destination would send it; `preview` returns these with secrets masked. */
export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The events this request carries, in order. */
  messageIds: string[];
}

/** A live connection to one destination: connect → send(batch)* → close. */
export interface DestinationClient {
  /** Caps the batch size for this configuration (e.g. 1 for a webhook sending one request per event). */
  readonly maxBatchSize?: number;
  connect?(): Promise<void>;
  /** Sends a batch; returns one result per event, in order. A partly failed batch retries only what failed. */
  send(batch: OutboundEvent[], signal: AbortSignal): Promise<SendResult[]>;
  /** The requests `send` would make, without making them (secrets masked). */
  preview?(batch: OutboundEvent[]): HttpRequestSpec[];
  close?(): Promise<void>;
}

export interface DestinationContext<Settings> {
  /** The Destination resource's name. */
  name: string;
  settings: Settings;
  credentials: Record<string, string>;
  timeoutMs: number;
}

/** A destination type: one folder under destinations/, listed in destinations/index.ts. */
export interface DestinationType<Settings = Record<string, unknown>> {
  readonly type: string;
  readonly description: string;
  /** The name senders use for this tool in a Segment `integrations` object (e.g. "Mixpanel"). */
  readonly displayName?: string;
  /** JSON Schema of `spec.settings`; its `default`s are applied before `create`. */
  readonly settingsSchema: TSchema;
  /** Caps spec.delivery.batchSize. */
  readonly maxBatchSize?: number;
  /** Output field → CEL expression, used when the Destination sets no mapping. */
  readonly defaultMapping?: Record<string, string>;
  create(ctx: DestinationContext<Settings>): DestinationClient;
}

/** Why an event was not sent to a destination. */
export type FilterReason = 'integrations' | 'consent' | 'filter' | 'mapping';

/** What a delivery worker reports per Destination (the source of Destination status). A type, not an interface, so it reads as a plain record. */
export type DestinationStats = {
  type: string;
  /** running; invalid when the spec could not be compiled (see lastError); stopped after stop(). */
  state: 'running' | 'invalid' | 'stopped';
  delivered: number;
  filtered: number;
  filteredBy: Record<FilterReason, number>;
  /** Delivery attempts that failed, retried or not. */
  failed: number;
  /** Events waiting for a retry. */
  retrying: number;
  deadLettered: number;
  /** Events on the bus not yet acknowledged, summed over the sources. */
  lag: number;
  p95LatencyMs?: number;
  lastDeliveryTime?: string;
  lastError?: { time: string; code: string; message: string; messageId?: string };
};
