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
 */
export { compilePlan, MAX_PLANNED_EVENTS } from './compile.ts';
export { compilePlanCached, planCacheStats, PLAN_CACHE_SIZE } from './cache.ts';
export { PlanCompileError } from './compile-error.ts';
export { planDigest, canonicalJson } from './digest.ts';
export { MAX_VIOLATIONS, PAGE_EVENT, SCREEN_EVENT, UNPLANNED_LABEL } from './check.ts';
export { SCHEMA_LIMITS } from './schema-lint.ts';
export { VIOLATION_TYPES } from './violation-map.ts';
export type { CompiledPlan, PlanDecision, PlanPolicies, Violation, ViolationKind } from './types.ts';
