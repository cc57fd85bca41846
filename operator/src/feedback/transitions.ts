import type { ViolationSummary } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import { DELIVERING, EVENTS_FLOWING, violationKey } from './decide.ts';

export interface FeedEvent {
  type: 'Normal' | 'Warning';
  /** CamelCase. */
  reason: string;
  note: string;
}

/** New-violation Events per Source and status update; the rest are summed up in one more. */
export const MAX_VIOLATION_EVENTS = 5;

/** The Event a feedback condition's move deserves, if any: going bad, and coming back. */
export function conditionEvent(prev: ConditionInput | undefined, next: ConditionInput): FeedEvent | undefined {
  const wasFalse = prev?.status === 'False';
  if (next.type === EVENTS_FLOWING) {
    if (next.status === 'False' && !wasFalse) return { type: 'Warning', reason: 'NoEventsReceived', note: next.message };
    if (next.status === 'True' && wasFalse) return { type: 'Normal', reason: 'EventsResumed', note: `events arriving again: ${next.message}` };
  }
  if (next.type === DELIVERING) {
    const wasFailing = wasFalse && prev?.reason === 'DeliveryFailing';
    if (next.reason === 'DeliveryFailing' && !wasFailing) return { type: 'Warning', reason: 'DeliveryFailing', note: next.message };
    if (next.status === 'True' && wasFailing) return { type: 'Normal', reason: 'DeliveryRecovered', note: `delivering again after: ${prev?.message ?? ''}` };
  }
  return undefined;
}

export function violationEvents(fresh: readonly ViolationSummary[], max = MAX_VIOLATION_EVENTS): FeedEvent[] {
  const out: FeedEvent[] = fresh.slice(0, max).map((v) => ({
    type: 'Warning',
    reason: 'NewViolation',
    note: `${v.event} / ${v.field} / ${v.kind}: ${v.message}${v.sampleMessageId ? ` (sample messageId ${v.sampleMessageId})` : ''}`,
  }));
  if (fresh.length > max) {
    out.push({ type: 'Warning', reason: 'NewViolation', note: `${fresh.length - max} more new violations; see status.topViolations` });
  }
  return out;
}

/**
 * Which violations of a Source are new: not seen within `forgetAfterMs` (one window by
 * default, so a violation that comes back after a quiet hour is news again). Remembers at
 * most `maxKeys` keys, forgetting the least recently seen first.
 */
export class FirstSeen {
  readonly #seen = new Map<string, number>();
  readonly #forgetAfterMs: number;
  readonly #maxKeys: number;

  constructor(opts: { forgetAfterMs: number; maxKeys?: number }) {
    this.#forgetAfterMs = opts.forgetAfterMs;
    this.#maxKeys = Math.max(1, opts.maxKeys ?? 1000);
  }

  /** Marks violations as known without reporting them (what the status already showed). */
  remember(known: readonly ViolationSummary[], now: number): void {
    for (const v of known) this.#touch(violationKey(v), now);
  }

  /** The violations of `current` that are new, in their order; all of them are remembered. */
  observe(current: readonly ViolationSummary[], now: number): ViolationSummary[] {
    for (const [key, at] of this.#seen) if (at < now - this.#forgetAfterMs) this.#seen.delete(key);
    const fresh = current.filter((v) => !this.#seen.has(violationKey(v)));
    for (const v of current) this.#touch(violationKey(v), now);
    return fresh;
  }

  #touch(key: string, now: number): void {
    this.#seen.delete(key);
    this.#seen.set(key, now);
    if (this.#seen.size > this.#maxKeys) {
      const oldest = this.#seen.keys().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
  }
}
