import type { PublishResult } from '../bus/types.ts';
import type { SegmentEvent } from '../event.ts';
import { UNPLANNED_LABEL } from '../plan/index.ts';
import type { Violation } from '../plan/types.ts';
import type { Admission } from './admit.ts';
import type { SourceState } from './sources.ts';
import type { Meter } from './stats.ts';
import { formatIso } from './timestamps.ts';

/** The part of the violation sampler the ingest feeds (observe/violations.ts). */
export interface ViolationRecorder {
  record(source: string, eventName: string, violations: Violation[], messageId: string, now?: number): void;
}

/**
 * The event name used as a label: planned names as they are, anything else "(unplanned)",
 * so what clients send cannot blow up metric cardinality. Calls other than track go by
 * their planned name ("Page Viewed") or their type.
 */
export function eventLabel(event: SegmentEvent, planned: ReadonlySet<string>): string {
  switch (event.type) {
    case 'track':
      return typeof event.event === 'string' && planned.has(event.event) ? event.event : UNPLANNED_LABEL;
    case 'page':
      return planned.has('Page Viewed') ? 'Page Viewed' : 'page';
    case 'screen':
      return planned.has('Screen Viewed') ? 'Screen Viewed' : 'screen';
    default:
      return event.type;
  }
}

/** Counts a request whose events were stored (or dropped as malformed under accept). */
export function accountStored(meter: Meter, sampler: ViolationRecorder, s: SourceState, a: Admission, stored: PublishResult | undefined, now: number): void {
  const name = s.name;
  const st = s.stats;
  st.received += a.received;
  meter.events(name, 'received', 'request', a.received);
  const accepted = a.publish.length;
  if (accepted > 0) {
    const duplicates = Math.min(stored?.duplicates ?? 0, accepted);
    st.accepted += accepted;
    st.duplicates += duplicates;
    st.lastEventTime = formatIso(now);
    meter.events(name, 'accepted', 'stored', accepted - duplicates);
    meter.events(name, 'accepted', 'duplicate', duplicates);
  }
  st.blocked += a.quarantine.length;
  for (const q of a.quarantine) meter.events(name, 'blocked', q.violations[0]?.kind ?? 'blocked', 1);
  st.rejected += a.rejected.length;
  for (const r of a.rejected) meter.events(name, 'rejected', r.code, 1);
  accountViolations(meter, sampler, s, a, now);
}

/** Counts a request refused whole under onInvalid: reject: every event in it is rejected. */
export function accountRefused(meter: Meter, s: SourceState, a: Admission): void {
  const name = s.name;
  s.stats.received += a.received;
  s.stats.rejected += a.received;
  meter.events(name, 'received', 'request', a.received);
  for (const r of a.rejected) meter.events(name, 'rejected', r.code, 1);
  for (const q of a.quarantine) meter.events(name, 'rejected', q.violations[0]?.kind ?? 'blocked', 1);
  meter.events(name, 'rejected', 'request_rejected', a.publish.length);
}

/** Counts a request the bus could not store: the client was told to retry. */
export function accountFailed(meter: Meter, s: SourceState, a: Admission): void {
  s.stats.received += a.received;
  s.stats.failed += a.publish.length + a.quarantine.length;
  s.stats.rejected += a.rejected.length;
  meter.events(s.name, 'received', 'request', a.received);
  meter.events(s.name, 'failed', 'bus_unavailable', a.publish.length + a.quarantine.length);
  for (const r of a.rejected) meter.events(s.name, 'rejected', r.code, 1);
}

function accountViolations(meter: Meter, sampler: ViolationRecorder, s: SourceState, a: Admission, now: number): void {
  for (const f of a.flagged) {
    const label = eventLabel(f.event, s.planned);
    for (const v of f.violations) meter.violation(s.name, label, v.kind);
    sampler.record(s.name, label, f.violations, f.event.messageId, now);
  }
}
