import { isObject, type JsonObject, type SegmentEvent } from '../event.ts';
import type { CompiledSchema } from './ajv.ts';
import type { PlanDecision, PlanPolicies, Violation } from './types.ts';
import { fieldOf, mapAjvErrors, VIOLATION_TYPES, type LocatedViolation } from './violation-map.ts';

/** What check() works from: compiled once per plan version. */
export interface PlanRules {
  readonly policies: PlanPolicies;
  /** Planned event name → its properties schema (null: planned, properties not described). */
  readonly events: ReadonlyMap<string, CompiledSchema | null>;
  readonly identify: CompiledSchema | null;
  readonly group: CompiledSchema | null;
  readonly common: CompiledSchema | null;
}

/** Violations listed per event; an event over the cap gets one more entry saying how many were left out. */
export const MAX_VIOLATIONS = 50;

export const PAGE_EVENT = 'Page Viewed';
export const SCREEN_EVENT = 'Screen Viewed';
export const UNPLANNED_LABEL = '(unplanned)';

type Container = 'properties' | 'traits';

/**
 * Everything found while checking one event. Only events with something to report
 * allocate one, so a clean event costs the validators and nothing else.
 */
class Findings {
  readonly violations: Violation[] = [];
  readonly omitted: string[] = [];
  /** Top-level event field → keys to remove from it. */
  removals: Map<string, Set<string>> | undefined;
  block = false;
  /** Fields already reported as unplanned, so a schema's additionalProperties error does not repeat them. */
  readonly unplanned = new Set<string>();

  remove(location: readonly string[]): boolean {
    const [outer, inner] = location;
    if (outer === undefined || inner === undefined) return false;
    this.removals ??= new Map();
    let keys = this.removals.get(outer);
    if (!keys) this.removals.set(outer, (keys = new Set()));
    if (!keys.has(inner)) {
      keys.add(inner);
      this.omitted.push(`${outer}.${inner}`);
    }
    return true;
  }

  /** Applies a violation under a policy: allow flags it, omit removes the value when it can, block quarantines. */
  apply(found: LocatedViolation, policy: 'allow' | 'omit' | 'block', event: SegmentEvent): void {
    this.violations.push(found.violation);
    if (policy === 'block') this.block = true;
    else if (policy === 'omit' && omittable(found.location, event)) this.remove(found.location);
  }
}

export function checkEvent(rules: PlanRules, event: SegmentEvent): PlanDecision {
  let findings: Findings | undefined;
  let target: CompiledSchema | null = null;
  let container: Container = 'properties';
  let label: string = event.type;

  switch (event.type) {
    case 'track': {
      const name = event.event;
      const planned = typeof name === 'string' ? rules.events.get(name) : undefined;
      if (planned === undefined) {
        label = UNPLANNED_LABEL;
        findings = new Findings();
        findings.violations.push(unplannedEvent(name));
        if (rules.policies.unplannedEvents === 'block') findings.block = true;
      } else {
        label = name as string;
        target = planned;
      }
      break;
    }
    case 'page':
    case 'screen': {
      // Page/screen calls are only checked when the plan describes them; otherwise they
      // are not "unplanned", just not governed.
      const name = event.type === 'page' ? PAGE_EVENT : SCREEN_EVENT;
      const planned = rules.events.get(name);
      if (planned !== undefined) {
        label = name;
        target = planned;
      }
      break;
    }
    case 'identify':
      target = rules.identify;
      container = 'traits';
      break;
    case 'group':
      target = rules.group;
      container = 'traits';
      break;
  }

  let current = event;
  if (target) {
    findings = checkStandard(rules.policies, target, container, event, findings);
    if (findings?.removals) {
      current = withRemovals(event, findings.removals);
      findings.removals = undefined;
    }
  }

  const common = rules.common;
  if (common && !common.validate(current)) {
    findings ??= new Findings();
    for (const found of mapAjvErrors(common.validate.errors ?? [], [])) {
      findings.apply(found, rules.policies.onViolation, current);
    }
  }

  if (!findings) return { action: 'allow', event, violations: [], omitted: [], label };
  const violations = capped(findings.violations);
  // A blocked event is quarantined as it arrived, so it can be replayed once the plan or
  // the sender is fixed.
  if (findings.block) return { action: 'block', event, violations, omitted: [], label };
  if (findings.removals) current = withRemovals(current, findings.removals);
  return { action: 'allow', event: stamp(current, violations, findings.omitted), violations, omitted: findings.omitted, label };
}

function checkStandard(
  policies: PlanPolicies,
  schema: CompiledSchema,
  container: Container,
  event: SegmentEvent,
  findings: Findings | undefined,
): Findings | undefined {
  const value = event[container];
  const declared = schema.declared;
  if (declared && isObject(value)) {
    for (const key in value) {
      if (declared.has(key) || (schema.patterns.length > 0 && schema.patterns.some((p) => p.test(key)))) continue;
      findings ??= new Findings();
      const field = `${container}.${key}`;
      findings.unplanned.add(field);
      findings.apply(
        {
          violation: { kind: 'unplanned-property', type: VIOLATION_TYPES['unplanned-property'], field, description: `${field} is not in the tracking plan` },
          location: [container, key],
        },
        policies.unplannedProperties,
        event,
      );
    }
  }

  // Segment treats absent properties/traits as {}: required ones are still reported.
  let data: unknown = value === undefined ? EMPTY : value;
  if (findings?.removals && isObject(value)) data = without(value, findings.removals.get(container));
  if (schema.validate(data)) return findings;

  findings ??= new Findings();
  for (const found of mapAjvErrors(schema.validate.errors ?? [], [container])) {
    const v = found.violation;
    if (v.kind === 'unplanned-property' && findings.unplanned.has(v.field)) {
      // Already listed by the unplanned-property control; the schema's own rule still decides.
      if (policies.onViolation === 'block') findings.block = true;
      else if (policies.onViolation === 'omit') findings.remove(found.location);
      continue;
    }
    findings.apply(found, policies.onViolation, event);
  }
  return findings;
}

const EMPTY: JsonObject = Object.freeze({});

function unplannedEvent(name: unknown): Violation {
  const shown = typeof name === 'string' ? JSON.stringify(name.length > 200 ? `${name.slice(0, 200)}…` : name) : 'without a name';
  return { kind: 'unplanned-event', type: VIOLATION_TYPES['unplanned-event'], field: 'event', description: `event ${shown} is not in the tracking plan` };
}

/**
 * Omit removes the second-level key holding the bad value (properties.products for
 * properties.products.0.price) — never a top-level field of the event such as userId, and
 * nothing when the problem is a missing property.
 */
function omittable(location: readonly string[], event: SegmentEvent): boolean {
  if (location.length < 2) return false;
  const outer = event[location[0] as string];
  return isObject(outer) && Object.hasOwn(outer, location[1] as string);
}

function without(obj: JsonObject, keys: ReadonlySet<string> | undefined): JsonObject {
  if (!keys || keys.size === 0) return obj;
  const out: JsonObject = {};
  for (const key in obj) {
    if (keys.has(key)) continue;
    // JSON.parse makes "__proto__" an own key; assigning it would set out's prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: obj[key], enumerable: true, writable: true, configurable: true });
    else out[key] = obj[key];
  }
  return out;
}

/** A shallow copy of the event with keys removed from its top-level objects; the input is not touched. */
function withRemovals(event: SegmentEvent, removals: ReadonlyMap<string, ReadonlySet<string>>): SegmentEvent {
  const out: SegmentEvent = { ...event };
  for (const [outer, keys] of removals) {
    const value = event[outer];
    if (isObject(value)) out[outer] = without(value, keys);
  }
  return out;
}

function stamp(event: SegmentEvent, violations: Violation[], omitted: string[]): SegmentEvent {
  const context = isObject(event.context) ? event.context : {};
  const protocols: JsonObject = isObject(context.protocols) ? { ...context.protocols } : {};
  if (violations.length > 0) protocols.violations = violations;
  if (omitted.length > 0) protocols.omitted = omitted;
  return { ...event, context: { ...context, protocols } };
}

function capped(violations: Violation[]): Violation[] {
  if (violations.length <= MAX_VIOLATIONS) return violations;
  const rest = violations.length - MAX_VIOLATIONS;
  const kept = violations.slice(0, MAX_VIOLATIONS);
  kept.push({ kind: 'schema', type: VIOLATION_TYPES.schema, field: fieldOf([]), description: `${rest} more violations not listed` });
  return kept;
}
