import type { SegmentEvent } from '../event.ts';

/** Machine-readable violation kinds; `type` below carries Segment's display name. */
export type ViolationKind =
  | 'unplanned-event'
  | 'unplanned-property'
  | 'required'
  | 'type'
  | 'format'
  | 'enum'
  | 'pattern'
  | 'range'
  | 'schema';

export interface Violation {
  kind: ViolationKind;
  /** Segment's violation type as it appears in context.protocols.violations. */
  type: string;
  /** Dotted path in the event, e.g. properties.revenue or context.traits.email. */
  field: string;
  description: string;
}

export interface PlanDecision {
  action: 'allow' | 'block';
  /** The event to pass on: possibly with fields omitted and context.protocols stamped. */
  event: SegmentEvent;
  violations: Violation[];
  /** Dotted paths removed by the omit policies. */
  omitted: string[];
  /**
   * A bounded name for metrics labels: the planned event name, "Page Viewed"/"Screen Viewed"
   * when planned, "(unplanned)" for a track event outside the plan, else the call type.
   */
  label?: string;
}

export interface CompiledPlan {
  readonly name: string;
  readonly digest: string;
  readonly eventCount: number;
  check(event: SegmentEvent): PlanDecision;
}

/** The plan's controls with defaults applied. */
export interface PlanPolicies {
  unplannedEvents: 'allow' | 'block';
  unplannedProperties: 'allow' | 'omit' | 'block';
  onViolation: 'allow' | 'omit' | 'block';
}
