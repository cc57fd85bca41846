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

  constructor(
    message: string,
    opts: { kind: DeliveryErrorKind; status?: number; retryAfterMs?: number; bodyExcerpt?: string; cause?: unknown },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'DeliveryError';
    this.kind = opts.kind;
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
    this.bodyExcerpt = opts.bodyExcerpt;
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
  /** JSON Schema of `spec.settings`. */
  readonly settingsSchema: TSchema;
  /** Caps spec.delivery.batchSize. */
  readonly maxBatchSize?: number;
  /** Output field → CEL expression, used when the Destination sets no mapping. */
  readonly defaultMapping?: Record<string, string>;
  create(ctx: DestinationContext<Settings>): DestinationClient;
}
