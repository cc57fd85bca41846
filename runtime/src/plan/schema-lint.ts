import { isObject } from '../event.ts';

/**
 * Checks a user's JSON Schema before ajv sees it, for the problems ajv reports badly or
 * not at all: unknown keywords (with where they are), remote $refs, unbounded size and
 * nesting, and patterns that are not valid regular expressions. Returns the first
 * problem found, or undefined.
 */

export const SCHEMA_LIMITS = {
  /** Serialized JSON length of one schema. */
  maxBytes: 256 * 1024,
  /** Nesting depth of subschemas. */
  maxDepth: 32,
  /** Subschemas in one schema. */
  maxNodes: 10_000,
  /** Length of a `pattern` or `patternProperties` key. */
  maxPatternLength: 1000,
};

export interface SchemaProblem {
  /** JSON pointer inside the schema: #/properties/revenue */
  pointer: string;
  message: string;
}

const DRAFT_07_URI = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;

/** Keywords whose value is a map of name → subschema. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keywords whose value is one subschema. */
const SCHEMA_ONE = new Set(['additionalProperties', 'additionalItems', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST = new Set(['allOf', 'anyOf', 'oneOf']);
/** Validation keywords and annotations with plain values (ajv checks their shape). */
const VALUE_KEYWORDS = new Set([
  'type', 'enum', 'const', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum',
  'maxLength', 'minLength', 'pattern', 'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties',
  'required', 'format', 'contentMediaType', 'contentEncoding',
  '$id', '$schema', '$ref', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly',
  // ajv-formats' comparison keywords (dates, times)
  'formatMinimum', 'formatMaximum', 'formatExclusiveMinimum', 'formatExclusiveMaximum',
]);

const HINTS: Record<string, string> = {
  nullable: 'use type: [..., "null"]',
  id: 'draft-07 uses $id',
  dependentRequired: 'draft-07 uses dependencies',
  dependentSchemas: 'draft-07 uses dependencies',
  prefixItems: 'draft-07 uses items: [...]',
  $defs: 'draft-07 uses definitions',
  unevaluatedProperties: 'not in draft-07',
  unevaluatedItems: 'not in draft-07',
};

export function lintSchema(schema: unknown): SchemaProblem | undefined {
  const bytes = JSON.stringify(schema)?.length ?? 0;
  if (bytes > SCHEMA_LIMITS.maxBytes) {
    return { pointer: '#', message: `schema is ${bytes} bytes; the limit is ${SCHEMA_LIMITS.maxBytes}` };
  }
  const state = { nodes: 0 };
  return walk(schema, '#', 0, state);
}

function walk(schema: unknown, pointer: string, depth: number, state: { nodes: number }): SchemaProblem | undefined {
  if (typeof schema === 'boolean') return undefined;
  if (!isObject(schema)) return { pointer, message: `expected a schema (an object or a boolean), got ${jsonTypeOf(schema)}` };
  if (depth > SCHEMA_LIMITS.maxDepth) return { pointer, message: `schema is nested deeper than ${SCHEMA_LIMITS.maxDepth} levels` };
  if (++state.nodes > SCHEMA_LIMITS.maxNodes) return { pointer, message: `schema has more than ${SCHEMA_LIMITS.maxNodes} subschemas` };

  for (const [key, value] of Object.entries(schema)) {
    const at = `${pointer}/${escapePointer(key)}`;
    let problem: SchemaProblem | undefined;
    if (SCHEMA_MAPS.has(key)) {
      if (!isObject(value)) continue; // ajv's meta-schema check reports the wrong shape
      for (const [name, sub] of Object.entries(value)) {
        if (key === 'patternProperties') problem = checkPattern(name, at);
        problem ??= walk(sub, `${at}/${escapePointer(name)}`, depth + 1, state);
        if (problem) return problem;
      }
    } else if (SCHEMA_ONE.has(key)) {
      problem = walk(value, at, depth + 1, state);
    } else if (SCHEMA_LIST.has(key) || key === 'items') {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length && !problem; i++) problem = walk(value[i], `${at}/${i}`, depth + 1, state);
      } else if (key === 'items') {
        problem = walk(value, at, depth + 1, state);
      }
    } else if (key === 'dependencies') {
      if (!isObject(value)) continue;
      for (const [name, dep] of Object.entries(value)) {
        if (Array.isArray(dep)) continue;
        problem = walk(dep, `${at}/${escapePointer(name)}`, depth + 1, state);
        if (problem) return problem;
      }
    } else if (key === '$ref') {
      if (typeof value === 'string' && !value.startsWith('#')) {
        problem = { pointer: at, message: `remote $ref "${value}" is not supported; put the definition under definitions and refer to it as #/definitions/...` };
      }
    } else if (key === '$schema') {
      if (typeof value === 'string' && !DRAFT_07_URI.test(value)) {
        problem = { pointer: at, message: `$schema "${value}" is not supported; tracking plans use JSON Schema draft-07 (http://json-schema.org/draft-07/schema#)` };
      }
    } else if (key === 'pattern') {
      if (typeof value === 'string') problem = checkPattern(value, at);
    } else if (!VALUE_KEYWORDS.has(key)) {
      const hint = HINTS[key];
      problem = { pointer, message: `unknown keyword "${key}"${hint ? ` (${hint})` : ' (not in JSON Schema draft-07)'}` };
    }
    if (problem) return problem;
  }
  return undefined;
}

function checkPattern(pattern: string, pointer: string): SchemaProblem | undefined {
  if (pattern.length > SCHEMA_LIMITS.maxPatternLength) {
    return { pointer, message: `pattern is ${pattern.length} characters; the limit is ${SCHEMA_LIMITS.maxPatternLength}` };
  }
  try {
    new RegExp(pattern, 'u');
  } catch (err) {
    return { pointer, message: `invalid pattern ${JSON.stringify(pattern)}: ${(err as Error).message}` };
  }
  return undefined;
}

export function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
