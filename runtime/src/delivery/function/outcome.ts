import type { TransformOutcome } from '../transform.ts';
import { DeliveryError } from '../types.ts';
import type { FunctionResult } from './types.ts';

/**
 * A function's result as the delivery engine's transform outcome: drops are counted as
 * filtered by mapping, `retry` backs off, `invalid` and `error` dead-letter at once (kind
 * `payload`). Codes are bounded (`function_<code>`) because they become metric labels.
 */
export function functionOutcome(result: FunctionResult): TransformOutcome {
  switch (result.kind) {
    case 'ok':
      return { kind: 'payload', payload: result.payload };
    case 'drop':
      return { kind: 'drop', reason: result.reason };
    case 'retry':
      return { kind: 'error', error: new DeliveryError(result.reason, { kind: 'retryable', code: 'function_retry' }) };
    case 'invalid':
      return { kind: 'error', error: new DeliveryError(result.reason, { kind: 'payload', code: 'function_invalid' }) };
    case 'error':
      return { kind: 'error', error: new DeliveryError(result.reason, { kind: 'payload', code: `function_${result.code}` }) };
  }
}
