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
}

export interface CompiledPlan {
  readonly name: string;
  readonly digest: string;
  readonly eventCount: number;
  check(event: SegmentEvent): PlanDecision;
}
