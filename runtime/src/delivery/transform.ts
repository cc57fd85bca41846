import type { DestinationRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { compileMapping, effectiveMapping, MappingCompileError, type CompiledMapping } from '../mapping/mapping.ts';
import { DestinationConfigError } from './compile.ts';
import type { DeliveryError, DestinationType } from './types.ts';

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
 * Compiled once per Destination spec.
 */
export type Transform = (events: readonly SegmentEvent[]) => TransformOutcome[] | Promise<TransformOutcome[]>;

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
 * DestinationConfigError listing every mapping field that does not compile.
 */
export function createTransform(dest: DestinationRuntime, type: DestinationType): Transform {
  const mapping = compileDestinationMapping(dest, type);
  if (dest.functionSource !== undefined) {
    // The sandboxed function plugs in here: `const fn: FunctionStep = compileFunction(dest.functionSource, limits)`
    // from ./function/, then `return withFunction(fn, mapping)`.
    throw new DestinationConfigError(dest.name, ['function: sandboxed functions are not available in this build yet; remove spec.function or use spec.mapping']);
  }
  return mapping ? mapped(mapping) : identity;
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
export function withFunction(fn: FunctionStep, mapping: CompiledMapping | undefined): Transform {
  if (!mapping) return fn;
  return async (events) => {
    const outcomes = await fn(events);
    return outcomes.map((o) => (o.kind === 'payload' ? mapOne(mapping, o.payload as SegmentEvent) : o));
  };
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

const identity: Transform = (events) => events.map((event) => ({ kind: 'payload', payload: event }));
