import type { DestinationRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { compileMapping, effectiveMapping, MappingCompileError, type CompiledMapping } from '../mapping/mapping.ts';
import { DestinationConfigError } from './compile.ts';
import { checkFunctionSource, compileFunctionSync, formatPosition, FunctionCompileError, functionOutcome, type UserFunction } from './function/index.ts';
import { DeliveryError, type DestinationType } from './types.ts';

/**
 * What mapping (CEL per output field) and the sandboxed function make of one event:
 * the payload to send, or a drop (counted as filtered by "mapping", acked), or an error
 * that retries later or dead-letters the event as an invalid payload.
 */
export type TransformOutcome =
  | { kind: 'payload'; payload: unknown }
  | { kind: 'drop'; reason: string }
  | { kind: 'error'; error: DeliveryError };

/**
 * The step between routing and batching. It takes the routed part of a fetched chunk at
 * once so a function's `onBatch` can see a batch; a CEL mapping simply maps each event.
 * Compiled once per Destination spec; `dispose` frees what it holds (a function's isolate)
 * when the Destination stops or is replaced.
 */
export type Transform = ((events: readonly SegmentEvent[]) => TransformOutcome[] | Promise<TransformOutcome[]>) & { dispose?: () => void };

/**
 * The sandboxed function's step: per event, the (possibly changed) event to map and send
 * as a `payload`, a drop, or an error. It runs before the mapping, like Segment's insert
 * functions, so handlers see a Segment event (`onTrack(event)`) and the mapping shapes
 * what they return.
 */
export type FunctionStep = (events: readonly SegmentEvent[]) => Promise<TransformOutcome[]>;

export const EMPTY_PAYLOAD_REASON = 'mapping: no output field has a value for this event';

/**
 * Builds the transform for a Destination: `spec.function` (when set), then the mapping —
 * `spec.mapping` over the type's `defaultMapping` (see effectiveMapping) — which turns the
 * event into the payload. Without either the event is sent as it is. Throws a
 * DestinationConfigError listing every mapping field that does not compile and a
 * function source that does not.
 */
export function createTransform(dest: DestinationRuntime, type: DestinationType): Transform {
  const problems: string[] = [];
  let mapping: CompiledMapping | undefined;
  try {
    mapping = compileDestinationMapping(dest, type);
  } catch (err) {
    if (!(err instanceof DestinationConfigError)) throw err;
    problems.push(...err.problems);
  }
  if (dest.functionSource !== undefined) {
    const checked = checkFunctionSource(dest.functionSource);
    if (!checked.ok) problems.push(`function: ${formatPosition(checked.error)}`);
  }
  if (problems.length > 0) throw new DestinationConfigError(dest.name, problems);
  if (dest.functionSource !== undefined) return withFunction(sandboxed(dest, dest.functionSource), mapping);
  return mapping ? mapped(mapping) : identity;
}

/**
 * The Destination's function as a transform step. The isolate starts on the first events,
 * not here: compiling a Destination to check it (sluice validate, reloads) must not start
 * one. Top-level code that fails then dead-letters the events with the reason.
 */
function sandboxed(dest: DestinationRuntime, source: string): FunctionStep & { dispose: () => void } {
  let fn: UserFunction | undefined;
  let disposed = false;
  const step = async (events: readonly SegmentEvent[]): Promise<TransformOutcome[]> => {
    if (disposed) throw new DeliveryError('function: the destination is stopping', { kind: 'retryable', code: 'function_retry' });
    try {
      fn ??= compileFunctionSync(source, { name: dest.name, settings: dest.spec.settings ?? {} });
    } catch (err) {
      if (!(err instanceof FunctionCompileError)) throw err;
      const error = new DeliveryError(err.message, { kind: 'payload', code: 'function_compile' });
      return events.map(() => ({ kind: 'error', error }));
    }
    return (await fn.run(events)).map(functionOutcome);
  };
  return Object.assign(step, {
    dispose: () => {
      disposed = true;
      fn?.dispose();
    },
  });
}

/** The Destination's effective mapping, compiled; undefined when it sends events as they are. */
export function compileDestinationMapping(dest: DestinationRuntime, type: DestinationType): CompiledMapping | undefined {
  const problems: string[] = [];
  let defaults: CompiledMapping | undefined;
  if (type.defaultMapping) {
    try {
      defaults = compileMapping(type.defaultMapping, { label: `the ${type.type} default mapping` });
    } catch (err) {
      if (!(err instanceof MappingCompileError)) throw err;
      problems.push(...err.problems);
    }
  }
  const effective = effectiveMapping(dest.spec.mapping, type.defaultMapping);
  if (problems.length === 0 && effective) {
    if (effective === type.defaultMapping && defaults) return defaults;
    try {
      return compileMapping(effective);
    } catch (err) {
      if (!(err instanceof MappingCompileError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new DestinationConfigError(dest.name, problems);
  return undefined;
}

/** Maps each event; one whose mapping yields no field at all is dropped (counted as filtered by mapping). */
export function mapped(mapping: CompiledMapping): Transform {
  return (events) => events.map((event) => mapOne(mapping, event));
}

function mapOne(mapping: CompiledMapping, event: SegmentEvent): TransformOutcome {
  const { payload } = mapping(event);
  return isEmpty(payload) ? { kind: 'drop', reason: EMPTY_PAYLOAD_REASON } : { kind: 'payload', payload };
}

/** The function first, then the mapping over each event it returns. */
export function withFunction(fn: FunctionStep & { dispose?: () => void }, mapping: CompiledMapping | undefined): Transform {
  const run: Transform = mapping
    ? async (events) => {
        const outcomes = await fn(events);
        return outcomes.map((o): TransformOutcome => {
          if (o.kind !== 'payload') return o;
          if (isEvent(o.payload)) return mapOne(mapping, o.payload);
          const error = new DeliveryError(`mapping: the function returned ${Array.isArray(o.payload) ? 'a list' : typeof o.payload}, not an event to map`, { kind: 'payload', code: 'function_output' });
          return { kind: 'error', error };
        });
      }
    : (events) => fn(events);
  return fn.dispose ? Object.assign(run, { dispose: fn.dispose }) : run;
}

/** The mapping reads event fields, so what a function returns must be an object to be mapped. */
function isEvent(v: unknown): v is SegmentEvent {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

const identity: Transform = (events) => events.map((event) => ({ kind: 'payload', payload: event }));
