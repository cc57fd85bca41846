import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import type { SegmentEvent } from '../event.ts';
import { compileSchema, createAjv, SchemaProblemError, type CompiledSchema } from './ajv.ts';
import { checkEvent, type PlanRules } from './check.ts';
import { PlanCompileError } from './compile-error.ts';
import { planDigest } from './digest.ts';
import type { CompiledPlan, PlanDecision, PlanPolicies } from './types.ts';
import type { Ajv } from 'ajv';

/** Same bound as the TrackingPlan API (events maxItems). */
export const MAX_PLANNED_EVENTS = 2000;

const POLICY_VALUES = {
  unplannedEvents: ['allow', 'block'],
  unplannedProperties: ['allow', 'omit', 'block'],
  onViolation: ['allow', 'omit', 'block'],
} as const;

/**
 * Compiles every schema of a TrackingPlan once. Throws PlanCompileError naming the plan,
 * the spec location and the exact problem; the returned plan's check() only executes.
 */
export function compilePlan(name: string, spec: TrackingPlanSpec): CompiledPlan {
  return new Plan(name, planDigest(spec), compileRules(name, spec));
}

export function compileRules(plan: string, spec: TrackingPlanSpec): PlanRules {
  const policies = readPolicies(plan, spec);
  const ajv = createAjv();
  const list = spec.events ?? [];
  if (list.length > MAX_PLANNED_EVENTS) {
    throw new PlanCompileError(plan, { path: 'events', detail: `${list.length} events planned; the limit is ${MAX_PLANNED_EVENTS}` });
  }
  const events = new Map<string, CompiledSchema | null>();
  const firstIndex = new Map<string, number>();
  list.forEach((planned, i) => {
    const eventName: unknown = planned.name;
    if (typeof eventName !== 'string' || eventName === '') {
      throw new PlanCompileError(plan, { path: `events[${i}].name`, detail: 'event name must be a non-empty string' });
    }
    const label = `events[${i}] ${JSON.stringify(eventName)}`;
    const earlier = firstIndex.get(eventName);
    if (earlier !== undefined) {
      throw new PlanCompileError(plan, { path: `events[${i}].name`, label, event: eventName, detail: `duplicate event name (also events[${earlier}])` });
    }
    firstIndex.set(eventName, i);
    const schema = planned.properties === undefined
      ? null
      : compileAt(ajv, plan, planned.properties, { path: `events[${i}].properties`, label: `${label}: properties`, event: eventName });
    events.set(eventName, schema);
  });
  return {
    policies,
    events,
    identify: spec.identify ? compileAt(ajv, plan, spec.identify.traits, { path: 'identify.traits' }) : null,
    group: spec.group ? compileAt(ajv, plan, spec.group.traits, { path: 'group.traits' }) : null,
    common: spec.common ? compileAt(ajv, plan, spec.common.jsonSchema, { path: 'common.jsonSchema' }) : null,
  };
}

function compileAt(ajv: Ajv, plan: string, schema: unknown, where: { path: string; label?: string; event?: string }): CompiledSchema {
  try {
    return compileSchema(ajv, schema);
  } catch (err) {
    if (!(err instanceof SchemaProblemError)) throw err;
    throw new PlanCompileError(plan, { ...where, schemaPath: err.problem.pointer, detail: err.problem.message, cause: err });
  }
}

function readPolicies(plan: string, spec: TrackingPlanSpec): PlanPolicies {
  const out: Record<string, string> = {};
  for (const [key, allowed] of Object.entries(POLICY_VALUES)) {
    const value: unknown = spec[key as keyof typeof POLICY_VALUES] ?? 'allow';
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      throw new PlanCompileError(plan, { path: key, detail: `${JSON.stringify(value)} is not one of ${allowed.join(', ')}` });
    }
    out[key] = value;
  }
  return out as unknown as PlanPolicies;
}

export class Plan implements CompiledPlan {
  readonly name: string;
  readonly digest: string;
  readonly eventCount: number;
  readonly rules: PlanRules;

  constructor(name: string, digest: string, rules: PlanRules) {
    this.name = name;
    this.digest = digest;
    this.rules = rules;
    this.eventCount = rules.events.size;
  }

  check(event: SegmentEvent): PlanDecision {
    return checkEvent(this.rules, event);
  }
}
