import type { ViolationSummary } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';

/** The conditions the feedback adds, beside Ready/Reconciling/Stalled. */
export const EVENTS_FLOWING = 'EventsFlowing';
export const DELIVERING = 'Delivering';

export const DEFAULT_SILENCE_AFTER_MS = 15 * 60_000;
/** Failed attempts in a row (no delivery since) before a Destination counts as failing: one bad event is not an outage. */
export const DEFAULT_FAILING_AFTER = 3;

/** "14:02 UTC" today, "2025-03-01 14:02 UTC" on another day. */
export function shortTime(ms: number, now: number): string {
  const t = new Date(ms).toISOString();
  const hm = `${t.slice(11, 16)} UTC`;
  return t.slice(0, 10) === new Date(now).toISOString().slice(0, 10) ? hm : `${t.slice(0, 10)} ${hm}`;
}

/** RFC 3339 to the second, as status times read elsewhere. */
export const isoSecond = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface FlowInput {
  /** When an event was last accepted (ms), if ever. */
  lastEventTime: number | undefined;
  silenceAfterMs: number;
  now: number;
}

/** EventsFlowing: False once a Source that had traffic has accepted nothing for silenceAfter. */
export function eventsFlowing(i: FlowInput): ConditionInput {
  if (i.lastEventTime === undefined) {
    return { type: EVENTS_FLOWING, status: 'Unknown', reason: 'NoEventsYet', message: 'no events accepted yet' };
  }
  if (i.now - i.lastEventTime >= i.silenceAfterMs) {
    return {
      type: EVENTS_FLOWING,
      status: 'False',
      reason: 'NoEventsReceived',
      message: `no events since ${isoSecond(i.lastEventTime)} (silenceAfter ${minutes(i.silenceAfterMs)})`,
    };
  }
  return { type: EVENTS_FLOWING, status: 'True', reason: 'EventsReceived', message: `last event at ${isoSecond(i.lastEventTime)}` };
}

export interface LastError {
  time: string;
  code: string;
  message: string;
  messageId?: string;
}

export interface DeliveryInput {
  /** Pods heard from recently. */
  livePods: number;
  /** Some live pod cannot run its configuration. */
  invalid: boolean;
  lastDeliveryTime: number | undefined;
  lastError: LastError | undefined;
  /** Since when every attempt fails, and how many failed since (undefined: the last outcome was a delivery). */
  failing: { since: number; failures: number } | undefined;
  credentialsSecret: string | undefined;
  failingAfter: number;
  now: number;
}

/** Delivering: False while attempts keep failing with nothing delivered since the first failure. */
export function delivering(i: DeliveryInput): ConditionInput {
  if (i.invalid) {
    const why = i.lastError ? `: ${i.lastError.message}` : '';
    return { type: DELIVERING, status: 'False', reason: 'InvalidConfig', message: `the delivery pods cannot run this configuration${why}` };
  }
  if (i.failing && i.lastError && i.failing.failures >= i.failingAfter) {
    return { type: DELIVERING, status: 'False', reason: 'DeliveryFailing', message: failingMessage(i.lastError, i.failing.since, i.credentialsSecret, i.now) };
  }
  if (i.livePods === 0) {
    return { type: DELIVERING, status: 'Unknown', reason: 'NoReports', message: 'no delivery pod has reported recently' };
  }
  if (i.lastDeliveryTime !== undefined) {
    return { type: DELIVERING, status: 'True', reason: 'Delivering', message: `last delivery at ${isoSecond(i.lastDeliveryTime)}` };
  }
  return { type: DELIVERING, status: 'True', reason: 'NoTraffic', message: 'nothing delivered yet, nothing failing' };
}

/** "401 from the API since 14:02 UTC, credentials rejected (secret meta-token): answered 401 …" */
export function failingMessage(error: LastError, since: number, credentialsSecret: string | undefined, now: number): string {
  const http = /^[1-5][0-9]{2}$/.test(error.code);
  const head = `${http ? `${error.code} from the API` : error.code} since ${shortTime(since, now)}`;
  const rejected = (error.code === '401' || error.code === '403') && credentialsSecret ? `, credentials rejected (secret ${credentialsSecret})` : '';
  return `${head}${rejected}: ${error.message}`;
}

export interface PodViolations {
  violations: readonly ViolationSummary[];
}

/**
 * Top violations across pods: counts summed per (event, field, kind), the latest message
 * and sample, most frequent first, then most recent. Each pod lists only its own top ones,
 * so a violation rare on every pod may be missing although frequent in total.
 */
export function mergeViolations(pods: readonly PodViolations[], max: number): ViolationSummary[] {
  const merged = new Map<string, ViolationSummary>();
  for (const p of pods) {
    for (const v of p.violations) {
      const key = violationKey(v);
      const had = merged.get(key);
      if (!had) {
        merged.set(key, { ...v });
        continue;
      }
      const newer = v.lastSeen > had.lastSeen;
      merged.set(key, {
        ...(newer ? v : had),
        count: had.count + v.count,
        lastSeen: newer ? v.lastSeen : had.lastSeen,
      });
    }
  }
  return [...merged.values()]
    .sort((a, b) => b.count - a.count || (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0) || violationKey(a).localeCompare(violationKey(b)))
    .slice(0, max);
}

export const violationKey = (v: Pick<ViolationSummary, 'event' | 'field' | 'kind'>): string => `${v.event}\u0000${v.field}\u0000${v.kind}`;

function minutes(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
