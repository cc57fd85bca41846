import { createHash } from 'node:crypto';
import { sizeProblem } from './check.ts';
import type { Limits } from './decide.ts';
import { Sandbox, type SandboxSpec } from './isolate.ts';
import { FunctionRunner } from './runner.ts';
import { FUNCTION_DEFAULTS, FunctionCompileError, type FunctionOptions, type UserFunction } from './types.ts';

/**
 * Sandboxed user functions for Destinations: Segment-style handlers (onTrack, onIdentify,
 * onPage, onScreen, onGroup, onAlias, or onBatch for the whole batch) run in an isolated-vm
 * isolate per Destination with a memory limit, a time limit per event and per batch, and
 * no require, process, import(), timers, file system or network. See FunctionResult for
 * what each outcome means.
 *
 * Semantics, after Segment's destination insert functions:
 * - no handler for an event's type: dropped (Segment's EventNotSupported, discarded);
 * - a handler returning null/undefined: dropped; anything else must be JSON (≤ maxPayloadBytes);
 * - DropEvent / EventNotSupported → drop, RetryError → retry, InvalidEventPayload /
 *   ValidationError → invalid (dead-letter), any other throw → error (dead-letter);
 * - onBatch, when defined, receives every event and returns one result per event in order
 *   (null drops; an Error instance of the classes above fails just that event); a typed
 *   throw applies to the whole batch, a crash is narrowed down event by event.
 */
export function compileFunctionSync(source: string, opts: FunctionOptions = {}): UserFunction {
  const name = opts.name ?? 'function';
  const problem = sizeProblem(source);
  if (problem) throw new FunctionCompileError(name, { message: problem });
  let settingsJson: string;
  try {
    settingsJson = JSON.stringify(opts.settings ?? {});
  } catch (err) {
    throw new FunctionCompileError(name, { message: `the settings are not JSON: ${(err as Error).message}` }, err);
  }
  const limits = normaliseLimits(opts);
  const spec: SandboxSpec = {
    name,
    source,
    digest: createHash('sha256').update(source).digest('hex'),
    memoryLimitMb: limits.memoryLimitMb,
    topLevelTimeoutMs: limits.batchTimeoutMs,
    limits: {
      maxPayloadBytes: Math.max(1, opts.maxPayloadBytes ?? FUNCTION_DEFAULTS.maxPayloadBytes),
      maxLogLines: FUNCTION_DEFAULTS.maxLogLines,
      maxLogChars: FUNCTION_DEFAULTS.maxLogChars,
      maxReasonChars: FUNCTION_DEFAULTS.maxReasonChars,
    },
    settingsJson,
  };
  return new FunctionRunner(spec, Sandbox.create(spec), limits, opts.onLog);
}

/** compileFunctionSync, as a promise: the same work, for callers that are already async. */
export function compileFunction(source: string, opts: FunctionOptions = {}): Promise<UserFunction> {
  try {
    return Promise.resolve(compileFunctionSync(source, opts));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

export function normaliseLimits(opts: FunctionOptions): Limits {
  const eventTimeoutMs = Math.max(1, Math.round(opts.eventTimeoutMs ?? FUNCTION_DEFAULTS.eventTimeoutMs));
  return {
    memoryLimitMb: Math.max(8, Math.round(opts.memoryLimitMb ?? FUNCTION_DEFAULTS.memoryLimitMb)),
    eventTimeoutMs,
    batchTimeoutMs: Math.max(eventTimeoutMs, Math.round(opts.batchTimeoutMs ?? FUNCTION_DEFAULTS.batchTimeoutMs)),
  };
}

export { checkFunctionSource } from './check.ts';
export { functionOutcome } from './outcome.ts';
export * from './types.ts';
