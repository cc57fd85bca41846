import type { SegmentEvent } from '../event.ts';
import { compileProgram, evaluateExplained } from './cel.ts';

/** Test scaffolding: an event with the given fields, and one expression evaluated on it. */
export function event(fields: Partial<SegmentEvent> = {}): SegmentEvent {
  return { type: 'track', event: 'Order Completed', messageId: 'm-1', timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:01.000Z', ...fields };
}

/** Marks "no value" in expectation tables. */
export const NONE = Symbol('no value');

/** The value the expression gives on `e`, or NONE. */
export function valueOf(expr: string, e: SegmentEvent = event()): unknown {
  const r = evaluateExplained(compileProgram(expr), e);
  return r.ok ? r.value : NONE;
}

/** Why the expression gives no value on `e` (fails the test when it does give one). */
export function reasonOf(expr: string, e: SegmentEvent = event()): string {
  const r = evaluateExplained(compileProgram(expr), e);
  if (r.ok) throw new Error(`expected no value from ${expr}, got ${JSON.stringify(r.value)}`);
  return r.reason;
}
