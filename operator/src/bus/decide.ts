import type { DestinationSpec, SourceSpec } from '../api/index.ts';
import { progressing, type Summary } from '../kube/index.ts';
import type { ConsumerWanted } from '../../../runtime/src/bus/nats/admin.ts';
import { DELIVERY_DEFAULTS, parseStartFrom } from '../../../runtime/src/delivery/compile.ts';
import { deliveryAckWaitMs as workerAckWaitMs } from '../../../runtime/src/delivery/worker.ts';
import { parseDuration } from '../../../runtime/src/util/duration.ts';
import { BusProvisionError, type BusOutcome } from './types.ts';

/** The Source default (SourceSpec.retention), for objects written before defaults applied. */
export const DEFAULT_RETENTION = '168h';
/** How soon a Destination looks again for source streams that were not there yet. */
export const MISSING_STREAM_RETRY_MS = 5_000;

export function retentionMs(spec: SourceSpec): number {
  return parseDuration(spec.retention ?? DEFAULT_RETENTION);
}

/** The ack wait a delivery pod subscribes with, so the pods find the consumer as they would have created it. */
export function deliveryAckWaitMs(spec: DestinationSpec): number {
  return workerAckWaitMs(parseDuration(spec.delivery?.timeout ?? DELIVERY_DEFAULTS.timeout));
}

/**
 * One consumer per listed source that exists, starting at spec.startFrom as of `now`.
 * Undefined when the spec cannot be read (the Destination is Stalled for that already).
 */
export function consumersWanted(spec: DestinationSpec, sources: readonly string[], now: number): ConsumerWanted[] | undefined {
  try {
    const startFrom = parseStartFrom(spec.startFrom ?? 'now', now);
    const ackWaitMs = deliveryAckWaitMs(spec);
    return [...new Set(sources)].sort().map((source) => ({ source, startFrom, ackWaitMs }));
  } catch {
    return undefined;
  }
}

/** How long a provisioned resource is taken as still in place without asking NATS again. */
export const RECHECK_MS = 5 * 60_000;

/** What was last provisioned for a resource, and when. */
export interface Provisioned {
  fingerprint: string;
  at: number;
}

/**
 * Whether to provision again: reconciles come often (status feedback wakes an object every
 * few seconds), so an unchanged resource is checked against NATS only every RECHECK_MS;
 * anything it changes (retention, sources, startFrom) is applied at once.
 */
export function provisionDue(last: Provisioned | undefined, fingerprint: string, now: number): boolean {
  return !last || last.fingerprint !== fingerprint || now - last.at >= RECHECK_MS || now < last.at;
}

/** A NATS URL list as it may be shown: user, password or token removed. */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u.length > 0)
    .map((u) => u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1'))
    .join(',');
}

/** Any text with the credentials of every URL in it removed. */
export function redactText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/**
 * Ready as the bus allows: a provisioning failure turns anything but Stalled into
 * Ready=False with its reason (a spec problem the user must fix stays the headline).
 */
export function withBus(summary: Summary, bus: BusOutcome): Summary {
  if (bus.state !== 'failed' || summary.state === 'stalled') return summary;
  return progressing(bus.reason, bus.message);
}

/**
 * How the reconcile ends once the status is written: a provisioning failure is retried
 * with backoff (never terminal), source streams not there yet are looked for again soon.
 */
export function busEnding(bus: BusOutcome): { error: BusProvisionError } | { requeueAfterMs: number } | undefined {
  if (bus.state === 'failed') return { error: new BusProvisionError(bus.reason, bus.message) };
  if (bus.state === 'ok' && (bus.missingSources?.length ?? 0) > 0) return { requeueAfterMs: MISSING_STREAM_RETRY_MS };
  return undefined;
}
