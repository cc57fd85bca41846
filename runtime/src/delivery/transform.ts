import type { DestinationRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
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
 * Builds the transform for a Destination. Today every event is sent as it is; this is the
 * seam where `spec.mapping` (falling back to `type.defaultMapping`) and `spec.function`
 * are compiled, so the engine around it does not change when they arrive.
 */
export function createTransform(_dest: DestinationRuntime, _type: DestinationType): Transform {
  return identity;
}

const identity: Transform = (events) => events.map((event) => ({ kind: 'payload', payload: event }));
