import type { SegmentEvent } from '../../event.ts';

/**
 * What a function made of one event.
 * - `ok`: send `payload`.
 * - `drop`: not sent, counted, not retried — the handler returned nothing, threw
 *   `DropEvent` or `EventNotSupported`, or there is no handler for the event's type.
 * - `retry`: try again later — the handler threw `RetryError`, or the event did not get to
 *   run (the batch's time was used up, the sandbox could not start).
 * - `invalid`: dead-letter — the handler threw `InvalidEventPayload` or `ValidationError`.
 * - `error`: dead-letter — the function crashed on this event, ran past its time, ran out
 *   of memory, never settled, returned something that is not a JSON payload within the
 *   size limit, or broke the sandbox itself. Nothing in the sandbox can change between attempts (no I/O, no clock-driven
 *   work), so a retry would fail the same way; the dead letter keeps the event replayable
 *   once the function is fixed.
 */
export type FunctionResult =
  | { kind: 'ok'; payload: unknown }
  | { kind: 'drop'; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'invalid'; reason: string }
  | { kind: 'error'; reason: string; code: FunctionErrorCode };

/** A bounded label for metrics and dead letters. */
export type FunctionErrorCode = 'threw' | 'timeout' | 'memory' | 'unsettled' | 'output' | 'sandbox';

export interface FunctionLogLine {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  message: string;
  /** The event being handled when the line was written (absent in onBatch). */
  messageId?: string;
}

export interface FunctionOptions {
  /** Names the function in messages: the Destination's name. */
  name?: string;
  /** Heap limit of the isolate in MB (default 32, at least 8). Breaching it restarts the isolate. */
  memoryLimitMb?: number;
  /**
   * Time each event's handler may take (default 50 ms). One call into the isolate over n
   * events may use n times this, within batchTimeoutMs; the event running when time is up
   * fails, and the rest then run one call each with exactly this limit.
   */
  eventTimeoutMs?: number;
  /**
   * Time one `run` may spend on handlers (default 1000 ms), and the limit of one onBatch
   * call; events left when it is used up answer `retry`. Also limits the top-level code.
   */
  batchTimeoutMs?: number;
  /** The second argument of every handler, deep-frozen; must be JSON. */
  settings?: Record<string, unknown>;
  /** Largest payload, as JSON, one event may produce (default 256 KiB). */
  maxPayloadBytes?: number;
  /** Receives console output of the function: at most 50 lines of 1000 characters per run. */
  onLog?: (line: FunctionLogLine) => void;
}

/** A compiled user function, bound to one isolate; one per Destination. */
export interface UserFunction {
  readonly name: string;
  /** sha256 of the source: the code cache key. */
  readonly digest: string;
  /** The handlers the source defines, e.g. ['onTrack', 'onBatch']. */
  readonly handlers: readonly string[];
  /** One result per event, in order. Calls run one at a time. */
  run(events: readonly SegmentEvent[]): Promise<FunctionResult[]>;
  /** Frees the isolate. Later runs answer `retry` for every event. */
  dispose(): void;
}

export interface SourcePosition {
  message: string;
  /** 1-based; absent when V8 gave no position. */
  line?: number;
  column?: number;
}

export type SourceCheck = { ok: true } | { ok: false; error: SourcePosition };

/** The source does not compile, its top-level code fails, or it defines no handler. */
export class FunctionCompileError extends Error {
  readonly function: string;
  /** What is wrong, with its position, without the function's name. */
  readonly problem: SourcePosition;

  constructor(name: string, problem: SourcePosition, cause?: unknown) {
    super(`compiling function "${name}": ${formatPosition(problem)}`, cause === undefined ? undefined : { cause });
    this.name = 'FunctionCompileError';
    this.function = name;
    this.problem = problem;
  }
}

export function formatPosition(p: SourcePosition): string {
  return p.line === undefined ? p.message : `${p.message} (line ${p.line}, column ${p.column ?? 1})`;
}

export const FUNCTION_DEFAULTS = {
  memoryLimitMb: 32,
  eventTimeoutMs: 50,
  batchTimeoutMs: 1000,
  maxPayloadBytes: 256 * 1024,
  maxLogLines: 50,
  maxLogChars: 1000,
  maxReasonChars: 1000,
  /** A ConfigMap holds at most 1 MiB. */
  maxSourceBytes: 1024 * 1024,
} as const;
