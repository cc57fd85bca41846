/**
 * Tracking-plan enforcement: a TrackingPlan compiles once (per content digest) into a
 * CompiledPlan whose check() decides, per event, allow or block, what to omit and which
 * violations to stamp on context.protocols.
 *
 * Order, as in Segment Protocols: the standard controls first (unplanned events, then the
 * event's or traits' schema with the unplanned-property control), then the common schema
 * over the whole event. `decision.violations` lists everything found; an allowed event
 * carries the same list in context.protocols.violations and the removed fields in
 * context.protocols.omitted; a blocked event is returned as it arrived.
 *
 * Decisions where Segment's documentation leaves room:
 * - Unplanned events and properties that are allowed are still flagged (listed as
 *   violations), so they show up in the Source status.
 * - Omit removes the second-level key holding the bad value (properties.products for
 *   properties.products.0.price, context.ip), never a top-level event field. A missing
 *   required property cannot be removed: the event passes with its Required violation,
 *   as Segment's Omit does.
 * - Unplanned properties are judged against the schema's top-level `properties` and
 *   `patternProperties`; a schema without them, or with an `additionalProperties` schema,
 *   leaves properties open. A planned event without a `properties` schema is not checked.
 * - A plan without events treats every track call as unplanned (as Segment does);
 *   page/screen calls are only checked when "Page Viewed"/"Screen Viewed" are planned.
 */
export { compilePlan, MAX_PLANNED_EVENTS } from './compile.ts';
export { compilePlanCached, planCacheStats, PLAN_CACHE_SIZE } from './cache.ts';
export { PlanCompileError } from './compile-error.ts';
export { planDigest, canonicalJson } from './digest.ts';
export { MAX_VIOLATIONS, PAGE_EVENT, SCREEN_EVENT, UNPLANNED_LABEL } from './check.ts';
export { SCHEMA_LIMITS } from './schema-lint.ts';
export { VIOLATION_TYPES } from './violation-map.ts';
export type { CompiledPlan, PlanDecision, PlanPolicies, Violation, ViolationKind } from './types.ts';
