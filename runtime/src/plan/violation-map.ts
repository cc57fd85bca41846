import type { ErrorObject } from 'ajv';
import { jsonTypeOf } from './schema-lint.ts';
import type { Violation, ViolationKind } from './types.ts';

/**
 * Segment's display names (the `type` of context.protocols.violations). "Required" is the
 * name Segment's forwarded violations carry; the others follow the same "Invalid X" form.
 */
export const VIOLATION_TYPES: Record<ViolationKind, string> = {
  'unplanned-event': 'Unplanned Event',
  'unplanned-property': 'Unplanned Property',
  required: 'Required',
  type: 'Invalid Type',
  format: 'Invalid Format',
  enum: 'Invalid Enum',
  pattern: 'Invalid Pattern',
  range: 'Invalid Range',
  schema: 'Invalid Value',
};

/** A violation plus where the offending value sits, so the omit policy can remove it. */
export interface LocatedViolation {
  violation: Violation;
  /**
   * Path (in the event) of the value that exists and is wrong; for a missing required
   * property, the object that lacks it. Omit removes its first two segments' worth
   * (properties.products for properties.products.0.price) and never a top-level field.
   */
  location: string[];
}

/** Keywords whose failing branches ajv reports as well; the keyword's own error says enough. */
const WRAPPERS = new Set(['anyOf', 'oneOf', 'contains', 'propertyNames', 'not']);

const RANGE = new Set([
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties',
  'formatMinimum', 'formatMaximum', 'formatExclusiveMinimum', 'formatExclusiveMaximum',
]);

/** Turns ajv's errors for a value found at `base` (in the event) into violations. */
export function mapAjvErrors(errors: readonly ErrorObject[], base: readonly string[]): LocatedViolation[] {
  const hidden: string[] = [];
  for (const e of errors) if (WRAPPERS.has(e.keyword)) hidden.push(`${e.schemaPath}/`);
  const out: LocatedViolation[] = [];
  for (const e of errors) {
    // "if" only says "must match then": the then/else errors are the useful ones.
    if (e.keyword === 'if') continue;
    if (hidden.length > 0 && hidden.some((prefix) => e.schemaPath.startsWith(prefix))) continue;
    out.push(mapError(e, base));
  }
  return out;
}

export function mapError(e: ErrorObject, base: readonly string[]): LocatedViolation {
  const location = [...base, ...pointerSegments(e.instancePath)];
  const p = e.params as Record<string, unknown>;
  const at = fieldOf(location);
  const located = (kind: ViolationKind, field: string, description: string, loc = location): LocatedViolation => ({
    violation: { kind, type: VIOLATION_TYPES[kind], field, description },
    location: loc,
  });

  switch (e.keyword) {
    case 'required': {
      const field = fieldOf([...location, String(p.missingProperty)]);
      return located('required', field, `${field} is required`);
    }
    case 'dependencies':
    case 'dependentRequired': {
      const field = fieldOf([...location, String(p.missingProperty)]);
      return located('required', field, `${field} is required when ${fieldOf([...location, String(p.property)])} is present`);
    }
    case 'type':
      return located('type', at, `${at}: expected ${String(p.type).split(',').join(' or ')}, got ${jsonTypeOf(e.data)}`);
    case 'format':
      return located('format', at, `${at}: expected a valid ${String(p.format)}`);
    case 'enum':
      return located('enum', at, `${at}: expected one of ${listValues(p.allowedValues)}`);
    case 'const':
      return located('enum', at, `${at}: expected ${JSON.stringify(p.allowedValue)}`);
    case 'pattern':
      return located('pattern', at, `${at}: expected to match ${String(p.pattern)}`);
    case 'additionalProperties': {
      const loc = [...location, String(p.additionalProperty)];
      const field = fieldOf(loc);
      return located('unplanned-property', field, `${field} is not allowed by the schema`, loc);
    }
    case 'propertyNames': {
      const loc = [...location, String(p.propertyName)];
      return located('schema', fieldOf(loc), `${at}: property name ${JSON.stringify(p.propertyName)} is not allowed`, loc);
    }
    case 'anyOf':
      return located('schema', at, `${at}: does not match any of the allowed schemas`);
    case 'oneOf':
      return located('schema', at, p.passingSchemas == null
        ? `${at}: does not match any of the allowed schemas`
        : `${at}: matches more than one of the allowed schemas`);
    case 'not':
      return located('schema', at, `${at}: matches a schema it must not match`);
    case 'uniqueItems': {
      const [a, b] = [Number(p.i), Number(p.j)].sort((x, y) => x - y);
      return located('schema', at, `${at}: expected unique items (items ${a} and ${b} are identical)`);
    }
    case 'false schema':
      return located('schema', at, `${at} is not allowed`);
    default:
      if (RANGE.has(e.keyword)) return located('range', at, `${at}: ${rangeText(e.keyword, p)}`);
      return located('schema', at, `${at}: ${e.message ?? e.keyword}`);
  }
}

function rangeText(keyword: string, p: Record<string, unknown>): string {
  const limit = String(p.limit);
  switch (keyword) {
    case 'multipleOf': return `expected a multiple of ${String(p.multipleOf)}`;
    case 'minLength': return `expected at least ${limit} characters`;
    case 'maxLength': return `expected at most ${limit} characters`;
    case 'minItems': return `expected at least ${limit} items`;
    case 'maxItems': return `expected at most ${limit} items`;
    case 'minProperties': return `expected at least ${limit} properties`;
    case 'maxProperties': return `expected at most ${limit} properties`;
    default: return `expected ${String(p.comparison)} ${JSON.stringify(p.limit)}`;
  }
}

function listValues(values: unknown): string {
  if (!Array.isArray(values)) return String(values);
  const shown = values.slice(0, 10).map((v) => JSON.stringify(v)).join(', ');
  return values.length > 10 ? `${shown}, … (${values.length} values)` : shown;
}

/** Dotted field path; the event itself is "(root)", as Segment shows it. */
export function fieldOf(segments: readonly string[]): string {
  return segments.length === 0 ? '(root)' : segments.join('.');
}

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}
