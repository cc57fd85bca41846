import type { DestinationRuntime, SourceRuntime } from '../../config.ts';
import type { DestinationStats } from '../../delivery/types.ts';
import type { SourceStats } from '../../ingest/stats.ts';
import { parseDuration } from '../../util/duration.ts';
import type { ViolationSampler } from '../violations.ts';
import { SNAPSHOT_LIMITS, type DestinationBody, type SourceBody } from './snapshot.ts';

/** What a Source's snapshot says about its configuration, read from the rendered config. */
export interface SourceHints {
  trackingPlan?: string;
  silenceAfterMs?: number;
}

export interface DestinationHints {
  credentialsSecret?: string;
}

export function sourceHints(source: SourceRuntime): SourceHints {
  const silenceAfterMs = durationOrUndefined(source.spec.silenceAfter);
  return {
    ...(source.plan ? { trackingPlan: source.plan.name } : {}),
    ...(silenceAfterMs ? { silenceAfterMs } : {}),
  };
}

export function destinationHints(destination: DestinationRuntime): DestinationHints {
  const secret = destination.spec.credentials?.secretRef.name;
  return secret ? { credentialsSecret: secret } : {};
}

/** A Source's body from the ingest's counts and its violation sampler. */
export function sourceBody(
  source: string,
  stats: SourceStats,
  violations: Pick<ViolationSampler, 'top' | 'total'>,
  hints: SourceHints = {},
  now: number = Date.now(),
): SourceBody {
  return {
    counters: {
      received: stats.received,
      accepted: stats.accepted,
      duplicates: stats.duplicates,
      blocked: stats.blocked,
      rejected: stats.rejected,
      failed: stats.failed,
    },
    ...(stats.lastEventTime ? { lastEventTime: stats.lastEventTime } : {}),
    violations: violations.top(source, SNAPSHOT_LIMITS.maxViolations, now).map((v) => ({
      event: v.event,
      field: v.field,
      kind: v.kind,
      message: v.message,
      count: v.count,
      lastSeen: v.lastSeen,
      ...(v.sampleMessageId ? { sampleMessageId: v.sampleMessageId } : {}),
    })),
    violationCount: violations.total(source, now),
    ...hints,
  };
}

/** A Destination's body from its delivery worker's stats. */
export function destinationBody(stats: DestinationStats, hints: DestinationHints = {}): DestinationBody {
  return {
    state: stats.state,
    counters: {
      delivered: stats.delivered,
      filtered: stats.filtered,
      filteredBy: { ...stats.filteredBy },
      failed: stats.failed,
      deadLettered: stats.deadLettered,
    },
    retrying: stats.retrying,
    lag: stats.lag,
    ...(stats.p95LatencyMs !== undefined ? { p95LatencyMs: stats.p95LatencyMs } : {}),
    ...(stats.lastDeliveryTime ? { lastDeliveryTime: stats.lastDeliveryTime } : {}),
    ...(stats.lastError ? { lastError: { ...stats.lastError } } : {}),
    ...hints,
  };
}

/** The CRD schema has checked the pattern already; an unreadable value just leaves the operator's default. */
function durationOrUndefined(text: string | undefined): number | undefined {
  if (!text) return undefined;
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}
