import type { FunctionErrorCode, FunctionLogLine, FunctionResult, SourcePosition } from './types.ts';

/**
 * Pure decisions of the function runner: reading what the sandbox returned, naming what
 * went wrong, and what that means for each event. Everything the isolate sends is
 * untrusted text, checked here field by field.
 */

/** One `collect` of the driver (sandbox.ts), validated. */
export interface Collected {
  done: boolean;
  /** Index of the first event without a result. */
  next: number;
  /** Set when onBatch failed as a whole (threw, or returned the wrong shape). */
  batch: FunctionResult | null;
  parts: FunctionResult[];
  logs: FunctionLogLine[];
  droppedLogs: number;
}

const KINDS = new Set(['ok', 'drop', 'retry', 'invalid', 'error']);
const CODES = new Set<string>(['threw', 'timeout', 'memory', 'unsettled', 'output', 'sandbox']);
const LEVELS = new Set<string>(['log', 'info', 'warn', 'error', 'debug']);

/** undefined when the text is not what the driver writes: the function tampered with it. */
export function readCollected(text: unknown): Collected | undefined {
  if (typeof text !== 'string') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(v) || typeof v.done !== 'boolean' || !isCount(v.next) || !Array.isArray(v.parts) || !Array.isArray(v.logs)) return undefined;
  const parts: FunctionResult[] = [];
  for (const p of v.parts) {
    const r = readPart(p);
    if (!r) return undefined;
    parts.push(r);
  }
  let batch: FunctionResult | null = null;
  if (v.batch !== null) {
    const r = readPart(v.batch);
    if (!r || r.kind === 'ok') return undefined;
    batch = r;
  }
  const logs: FunctionLogLine[] = [];
  for (const l of v.logs) {
    if (!isRecord(l) || typeof l.level !== 'string' || !LEVELS.has(l.level) || typeof l.message !== 'string') return undefined;
    const line: FunctionLogLine = { level: l.level as FunctionLogLine['level'], message: l.message };
    if (typeof l.messageId === 'string') line.messageId = l.messageId;
    logs.push(line);
  }
  return { done: v.done, next: v.next, batch, parts, logs, droppedLogs: isCount(v.droppedLogs) ? v.droppedLogs : 0 };
}

export function readPart(p: unknown): FunctionResult | undefined {
  if (!isRecord(p) || typeof p.k !== 'string' || !KINDS.has(p.k)) return undefined;
  if (p.k === 'ok') return 'p' in p ? { kind: 'ok', payload: p.p } : undefined;
  if (typeof p.r !== 'string') return undefined;
  if (p.k === 'error') return typeof p.c === 'string' && CODES.has(p.c) ? { kind: 'error', reason: p.r, code: p.c as FunctionErrorCode } : undefined;
  return { kind: p.k as 'drop' | 'retry' | 'invalid', reason: p.r };
}

/** Why a call into the isolate failed, from isolated-vm's messages. */
export type CallFailure = 'timeout' | 'memory' | 'disposed' | 'other';

export function classifyCallError(err: unknown): CallFailure {
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith('Script execution timed out')) return 'timeout';
  if (message.includes('due to memory limit')) return 'memory';
  if (/isolated? is (already )?disposed|was disposed/i.test(message)) return 'disposed';
  return 'other';
}

/** What one pass (start, then collect) over events[from, from + count) came to. */
export type PassOutcome =
  | { kind: 'complete'; results: FunctionResult[] }
  /** onBatch failed as a whole. */
  | { kind: 'batch'; result: FunctionResult }
  /** events[from, at) have results; the event at `at` never finished. */
  | { kind: 'stuck'; results: FunctionResult[]; at: number; failure: 'timeout' | 'unsettled' }
  /** Nothing is known: the isolate died, could not start, or its output was garbled. */
  | { kind: 'lost'; failure: 'memory' | 'sandbox' | 'output' | 'unavailable' | 'disposed'; message: string };

export function interpretPass(collected: Collected | undefined, from: number, count: number, timedOut: boolean): PassOutcome {
  if (!collected || collected.next < from || collected.next > from + count) {
    return { kind: 'lost', failure: 'output', message: 'the sandbox returned malformed results' };
  }
  if (collected.batch) return { kind: 'batch', result: collected.batch };
  if (collected.parts.length !== collected.next - from) {
    return { kind: 'lost', failure: 'output', message: 'the sandbox returned malformed results' };
  }
  // Every event has its result even if the time ran out afterwards (on a stray promise chain).
  if (collected.next === from + count) return { kind: 'complete', results: collected.parts };
  return { kind: 'stuck', results: collected.parts, at: collected.next, failure: timedOut ? 'timeout' : 'unsettled' };
}

/** A call failure other than a timeout, as a pass outcome. */
export function lostPass(failure: CallFailure, message: string): PassOutcome {
  if (failure === 'memory') return { kind: 'lost', failure: 'memory', message };
  if (failure === 'disposed') return { kind: 'lost', failure: 'disposed', message };
  return { kind: 'lost', failure: 'sandbox', message };
}

export interface Limits {
  eventTimeoutMs: number;
  batchTimeoutMs: number;
  memoryLimitMb: number;
}

/** The result of an event that could not finish, named after the handler that ran it. */
export function failureResult(
  failure: 'timeout' | 'unsettled' | 'memory' | 'sandbox' | 'output' | 'unavailable' | 'disposed' | 'budget',
  handler: string,
  limits: Limits,
  message = '',
): FunctionResult {
  switch (failure) {
    case 'timeout':
      return error('timeout', `running ${handler}: stopped at the time limit (${limits.eventTimeoutMs} ms per event, ${limits.batchTimeoutMs} ms per batch)`);
    case 'unsettled':
      return error('unsettled', `running ${handler}: it returned a promise that never settles (the sandbox has no timers or I/O to settle it)`);
    case 'memory':
      return error('memory', `running ${handler}: the sandbox ran out of memory (limit ${limits.memoryLimitMb} MB) and was restarted`);
    case 'sandbox':
      return error('sandbox', `running ${handler}: the sandbox failed${message ? `: ${message}` : ''}`);
    case 'output':
      return error('output', `running ${handler}: the sandbox returned malformed results`);
    case 'unavailable':
      return { kind: 'retry', reason: `starting the function's sandbox: ${message || 'failed'}` };
    case 'disposed':
      return { kind: 'retry', reason: 'the function was stopped or replaced before this event ran' };
    case 'budget':
      return { kind: 'retry', reason: `not run: other events of the batch used up the function's time (${limits.batchTimeoutMs} ms)` };
  }
}

function error(code: FunctionErrorCode, reason: string): FunctionResult {
  return { kind: 'error', reason, code };
}

const HANDLER_NAMES: Record<string, string> = {
  track: 'onTrack',
  identify: 'onIdentify',
  page: 'onPage',
  screen: 'onScreen',
  group: 'onGroup',
  alias: 'onAlias',
};

export function handlerName(type: unknown, batch: boolean): string {
  if (batch) return 'onBatch';
  return (typeof type === 'string' ? HANDLER_NAMES[type] : undefined) ?? 'the function';
}

/**
 * Time allowed to one call over `count` events: each event's allowance, together capped
 * by the batch limit, so a lone event gets exactly its own limit.
 */
export function passTimeoutMs(count: number, limits: Limits): number {
  return Math.max(1, Math.min(limits.batchTimeoutMs, count * limits.eventTimeoutMs));
}

/**
 * Where a compile or top-level error points. isolated-vm appends `[function.js:L:C]` to
 * syntax errors; runtime errors carry the position in their stack.
 */
export function sourcePosition(err: unknown, filename: string): SourcePosition {
  const raw = withModuleHint(err instanceof Error ? err.message : String(err));
  const name = err instanceof Error && err.name !== 'Error' ? `${err.name}: ` : '';
  const tag = new RegExp(`\\s*\\[${escapeRegExp(filename)}:(\\d+):(\\d+)\\]$`).exec(raw);
  if (tag) return { message: `${name}${raw.slice(0, tag.index)}`, line: Number(tag[1]), column: Number(tag[2]) };
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const frame = new RegExp(`${escapeRegExp(filename)}:(\\d+):(\\d+)`).exec(stack);
  if (frame) return { message: `${name}${raw}`, line: Number(frame[1]), column: Number(frame[2]) };
  return { message: `${name}${raw}` };
}

/** ES module syntax is the likeliest first mistake: say what the sandbox expects instead. */
const MODULE_SYNTAX = /Unexpected token 'export'|Cannot use import statement outside a module|Unexpected identifier 'from'/;
const MODULE_HINT = ' (functions are scripts, as in Segment: declare `async function onTrack(event, settings)` without export or import)';

function withModuleHint(message: string): string {
  if (!MODULE_SYNTAX.test(message)) return message;
  // The position tag, when V8 adds one, stays last.
  const tag = /\s*\[[^\]]*:\d+:\d+\]$/.exec(message);
  return tag ? `${message.slice(0, tag.index)}${MODULE_HINT}${message.slice(tag.index)}` : `${message}${MODULE_HINT}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
