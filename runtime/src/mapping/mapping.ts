import { createHash } from 'node:crypto';
import type { SegmentEvent } from '../event.ts';
import { activation, CelCompileError, compileProgram, evaluateExplained, fromCel, type CelProgram } from './cel.ts';

/** Output field (dotted path) → CEL expression, as in a Destination's `spec.mapping`. */
export type Mapping = Record<string, string>;

export interface MappingResult {
  /** The fields that have a value; dotted keys make nested objects. */
  payload: Record<string, unknown>;
}

/** One output field of a mapping, evaluated for one event with the reason when it is omitted. */
export type FieldOutcome =
  | { key: string; expression: string; value: unknown }
  | { key: string; expression: string; omitted: string };

export interface MappingField {
  readonly key: string;
  readonly path: readonly string[];
  readonly program: CelProgram;
}

/** A mapping compiled once; calling it maps one event. */
export interface CompiledMapping {
  (event: SegmentEvent): MappingResult;
  readonly digest: string;
  /** In the order they are written to the payload: shallow keys first, then as declared. */
  readonly fields: readonly MappingField[];
  /** The same payload plus, per field, its value or why it is omitted (for previews). */
  explain(event: SegmentEvent): MappingResult & { fields: FieldOutcome[] };
}

/** Every field of a mapping that does not compile, each message naming the key, the expression and the position. */
export class MappingCompileError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('\n'));
    this.name = 'MappingCompileError';
    this.problems = problems;
  }
}

export const MAX_MAPPING_FIELDS = 512;
export const MAX_KEY_LENGTH = 256;
/** The CRD's rule for mapping keys: names joined by single dots. */
const KEY = /^[A-Za-z0-9_$@-]+(?:[.][A-Za-z0-9_$@-]+)*$/;

const cache = new Map<string, CompiledMapping>();
const CACHE_LIMIT = 512;

/**
 * Compiles a mapping once (cached by content digest). For each event every expression is
 * evaluated; one that yields nothing — a missing field, null, a library function without
 * a value, an evaluation error — leaves its output field out. `label` names the mapping
 * in messages: `mapping["user_data.em"]: compiling CEL expression: … at column 8`.
 */
export function compileMapping(mapping: Mapping, opts: { label?: string } = {}): CompiledMapping {
  const label = opts.label ?? 'mapping';
  const entries = Object.entries(mapping);
  const digest = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  const hit = cache.get(`${label}\u0000${digest}`);
  if (hit) return hit;

  const problems: string[] = [];
  if (entries.length > MAX_MAPPING_FIELDS) problems.push(`${label}: ${entries.length} fields; at most ${MAX_MAPPING_FIELDS} are allowed`);
  const fields: MappingField[] = [];
  for (const [key, expression] of entries.slice(0, MAX_MAPPING_FIELDS)) {
    const where = `${label}[${JSON.stringify(key)}]`;
    const keyProblem = checkKey(key);
    if (keyProblem) {
      problems.push(`${where}: ${keyProblem}`);
      continue;
    }
    if (typeof expression !== 'string') {
      problems.push(`${where}: expected a CEL expression as text`);
      continue;
    }
    try {
      fields.push({ key, path: key.split('.'), program: compileProgram(expression) });
    } catch (err) {
      if (!(err instanceof CelCompileError)) throw err;
      problems.push(`${where}: ${err.message}`);
    }
  }
  if (problems.length > 0) throw new MappingCompileError(problems);

  // Shallow keys first, so `custom_data.value` writes into the object `custom_data` made.
  const ordered = fields.map((f, i) => ({ f, i })).sort((a, b) => a.f.path.length - b.f.path.length || a.i - b.i).map(({ f }) => f);
  const variables = [...new Set(ordered.flatMap((f) => f.program.variables))];

  const map = (event: SegmentEvent): MappingResult => {
    const ctx = activation(event, variables);
    const payload: Record<string, unknown> = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (const f of ordered) {
        if (f.program.missing(event)) continue;
        let value: unknown;
        try {
          value = fromCel(f.program.run(ctx));
        } catch {
          continue;
        }
        if (value !== null && value !== undefined) setPath(payload, f.path, value);
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
    return { payload };
  };

  const explain = (event: SegmentEvent) => {
    const payload: Record<string, unknown> = {};
    const outcomes = new Map<MappingField, FieldOutcome>();
    for (const f of ordered) {
      const r = evaluateExplained(f.program, event);
      if (r.ok) setPath(payload, f.path, r.value);
      outcomes.set(f, r.ok ? { key: f.key, expression: f.program.expression, value: r.value } : { key: f.key, expression: f.program.expression, omitted: r.reason });
    }
    return { payload, fields: fields.map((f) => outcomes.get(f)!) };
  };

  const compiled: CompiledMapping = Object.assign(map, { digest, fields: ordered, explain });
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(`${label}\u0000${digest}`, compiled);
  return compiled;
}

function checkKey(key: string): string | undefined {
  if (key.length > MAX_KEY_LENGTH) return `the key is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`;
  if (!KEY.test(key)) return "keys must be dotted paths such as user_data.em: names of letters, digits, '_', '-', '$' or '@' joined by single dots";
  if (key.split('.').includes('__proto__')) return '__proto__ cannot be an output field name';
  return undefined;
}

/** Writes `value` at a dotted path, making objects on the way; a deeper key replaces a non-object there. */
function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = target;
  const last = path.length - 1;
  for (let i = 0; i < last; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) cur = next as Record<string, unknown>;
    else cur = cur[k] = {};
  }
  cur[path[last]!] = value;
}

/**
 * The mapping a Destination runs: its `spec.mapping` over the type's `defaultMapping`.
 * A key the Destination sets replaces the default for that key and everything beneath
 * it (setting `user_data` replaces the default `user_data.em`); the other defaults stay.
 * Setting a key to `null` removes a default field. Undefined when neither is set: the
 * event is then sent as it is.
 */
export function effectiveMapping(spec: Mapping | undefined, defaults: Mapping | undefined): Mapping | undefined {
  if (!defaults || Object.keys(defaults).length === 0) return spec && Object.keys(spec).length > 0 ? spec : undefined;
  if (!spec) return defaults;
  const own = Object.keys(spec);
  const out: Mapping = {};
  // Defaults keep their place, replaced in place where the spec names the same key.
  for (const [k, v] of Object.entries(defaults)) {
    if (Object.hasOwn(spec, k)) out[k] = spec[k]!;
    else if (!own.some((o) => k.startsWith(`${o}.`))) out[k] = v;
  }
  return Object.assign(out, spec);
}
