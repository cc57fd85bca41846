import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../types.ts';
import { functionOutcome } from './outcome.ts';
import type { FunctionResult } from './types.ts';

describe('functionOutcome', () => {
  it('sends ok payloads and counts drops', () => {
    expect(functionOutcome({ kind: 'ok', payload: { a: 1 } })).toEqual({ kind: 'payload', payload: { a: 1 } });
    expect(functionOutcome({ kind: 'drop', reason: 'onTrack returned nothing' })).toEqual({ kind: 'drop', reason: 'onTrack returned nothing' });
  });

  it.each<[FunctionResult, DeliveryError['kind'], string]>([
    [{ kind: 'retry', reason: 'onTrack asked to retry later' }, 'retryable', 'function_retry'],
    [{ kind: 'invalid', reason: 'onTrack rejected the event as invalid' }, 'payload', 'function_invalid'],
    [{ kind: 'error', reason: 'running onTrack: TypeError', code: 'threw' }, 'payload', 'function_threw'],
    [{ kind: 'error', reason: 'running onTrack: stopped at the time limit', code: 'timeout' }, 'payload', 'function_timeout'],
    [{ kind: 'error', reason: 'running onTrack: out of memory', code: 'memory' }, 'payload', 'function_memory'],
  ])('%j becomes a %s DeliveryError coded %s', (result, kind, code) => {
    const out = functionOutcome(result);
    if (out.kind !== 'error') throw new Error(`expected an error outcome, got ${out.kind}`);
    expect(out.error).toBeInstanceOf(DeliveryError);
    expect(out.error.kind).toBe(kind);
    expect(out.error.code).toBe(code);
    expect(out.error.retryable).toBe(kind === 'retryable');
    expect(out.error.message).toBe((result as { reason: string }).reason);
  });
});
