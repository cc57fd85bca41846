import { isObject } from '../../event.ts';

type Schema = Record<string, unknown>;

/**
 * What a JSON Schema says about the value at a path below it: `defined` (with every
 * sub-schema that describes it), `undefined` (the schema lists its keys and this is not
 * one; `at` is the index of the first key it lacks), or `unknown` when it cannot tell
 * (free-form objects, $ref, conditionals, additionalProperties schemas).
 */
export type Lookup = { status: 'defined'; schemas: Schema[] } | { status: 'undefined'; at: number } | { status: 'unknown' };

const MAX_BRANCHES = 64;

export function lookup(schema: unknown, keys: ReadonlyArray<string | number>): Lookup {
  let current: Schema[] = isObject(schema) ? [schema] : [];
  if (current.length === 0) return { status: 'unknown' };
  for (let i = 0; i < keys.length; i++) {
    const next: Schema[] = [];
    let unknown = false;
    for (const s of flatten(current)) {
      if (s === UNKNOWN) {
        unknown = true;
        continue;
      }
      const found = step(s, keys[i]!);
      if (found === UNKNOWN) unknown = true;
      else if (found) next.push(found);
    }
    if (next.length > 0) current = next;
    else return unknown ? { status: 'unknown' } : { status: 'undefined', at: i };
  }
  return { status: 'defined', schemas: flatten(current).filter((s): s is Schema => s !== UNKNOWN) };
}

const UNKNOWN: Schema = Object.freeze({});
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;
const SHAPE_KEYWORDS = new Set(['type', 'properties', 'patternProperties', 'additionalProperties', 'items', 'enum', 'const']);

/** A schema and the branches it combines (allOf, anyOf, oneOf); UNKNOWN where it cannot be followed. */
function flatten(list: Schema[]): Schema[] {
  const out: Schema[] = [];
  const add = (s: unknown, depth: number): void => {
    if (out.length >= MAX_BRANCHES || depth > 8) return;
    if (!isObject(s)) {
      // `true` or a missing schema allows anything.
      if (s !== false) out.push(UNKNOWN);
      return;
    }
    if ('$ref' in s || 'if' in s || 'not' in s) {
      out.push(UNKNOWN);
      return;
    }
    const combined = COMBINATORS.filter((k) => Array.isArray(s[k]) && (s[k] as unknown[]).length > 0);
    // A schema that only combines others says nothing itself: its branches speak.
    if (combined.length === 0 || Object.keys(s).some((k) => SHAPE_KEYWORDS.has(k))) out.push(s);
    for (const k of combined) for (const b of s[k] as unknown[]) add(b, depth + 1);
  };
  for (const s of list) add(s, 0);
  return out;
}

/** The schema of `key` under `s`; undefined when `s` says it has no such key; UNKNOWN when it cannot tell. */
function step(s: Schema, key: string | number): Schema | undefined {
  if (typeof key === 'number') {
    const items = s.items;
    if (Array.isArray(items)) return isObject(items[key]) ? items[key] : UNKNOWN;
    if (isObject(items)) return items;
    return describesShape(s) ? undefined : UNKNOWN;
  }
  const props = s.properties;
  if (isObject(props) && Object.hasOwn(props, key)) return isObject(props[key]) ? props[key] : UNKNOWN;
  const patterns = s.patternProperties;
  if (isObject(patterns)) {
    for (const [pattern, sub] of Object.entries(patterns)) {
      if (matches(pattern, key)) return isObject(sub) ? sub : UNKNOWN;
    }
  }
  if (isObject(s.additionalProperties)) return UNKNOWN;
  // A schema that says nothing about an object's keys is a free-form object.
  return isObject(props) || isObject(patterns) ? undefined : describesShape(s) && !allowsObject(s) ? undefined : UNKNOWN;
}

/** The schema constrains the value's kind, so an absent key list is meaningful. */
function describesShape(s: Schema): boolean {
  return s.type !== undefined || s.enum !== undefined || s.const !== undefined;
}

function allowsObject(s: Schema): boolean {
  const t = s.type;
  return t === undefined || t === 'object' || (Array.isArray(t) && t.includes('object'));
}

function matches(pattern: string, key: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(key);
  } catch {
    return true;
  }
}

export type LiteralKind = 'string' | 'integer' | 'number' | 'boolean';

/**
 * Whether the schemas could hold a value of this literal. Conservative: false only when
 * none of them could (each names types, or lists values, that the literal does not fit).
 */
export function admits(schemas: readonly Schema[], kind: LiteralKind, value: unknown): { ok: true } | { ok: false; allowed: string } {
  const reasons: string[] = [];
  for (const s of schemas) {
    const values = Array.isArray(s.enum) ? (s.enum as unknown[]) : 'const' in s ? [s.const] : undefined;
    if (values !== undefined) {
      if (values.includes(value)) return { ok: true };
      reasons.push(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`);
      continue;
    }
    const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? (s.type as unknown[]).filter((t): t is string => typeof t === 'string') : undefined;
    if (types === undefined || types.some((t) => fits(t, kind, value))) return { ok: true };
    reasons.push(types.join(' or '));
  }
  return reasons.length === 0 ? { ok: true } : { ok: false, allowed: [...new Set(reasons)].join('; ') };
}

function fits(type: string, kind: LiteralKind, value: unknown): boolean {
  if (type === kind) return true;
  if (type === 'number' && kind === 'integer') return true;
  return type === 'integer' && kind === 'number' && Number.isInteger(value);
}
