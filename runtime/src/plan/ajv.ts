import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isObject } from '../event.ts';
import { lintSchema, type SchemaProblem } from './schema-lint.ts';

// ajv-formats is CommonJS; under Node's ESM interop its default export is module.exports,
// which carries the plugin again as `.default`.
const addFormats = addFormatsModule.default;

/** One compiled schema plus what the unplanned-property control needs to know about it. */
export interface CompiledSchema {
  readonly validate: ValidateFunction;
  /**
   * Top-level property names the schema declares. null when the schema leaves them open:
   * no top-level `properties`/`patternProperties`, or an explicit `additionalProperties`
   * schema (the author allowed extra properties on purpose).
   */
  readonly declared: ReadonlySet<string> | null;
  /** Compiled `patternProperties` keys: names matching one are declared too. */
  readonly patterns: readonly RegExp[];
}

/** Thrown by compileSchema; the plan compiler adds where in the spec the schema sits. */
export class SchemaProblemError extends Error {
  readonly problem: SchemaProblem;
  constructor(problem: SchemaProblem, cause?: unknown) {
    super(`${problem.pointer}: ${problem.message}`, cause !== undefined ? { cause } : undefined);
    this.name = 'SchemaProblemError';
    this.problem = problem;
  }
}

/**
 * One ajv instance per plan version: draft-07 (ajv's default dialect), string formats
 * from ajv-formats, every error reported (allErrors) with the offending value (verbose, so
 * messages can say what type arrived). Nothing that changes data: no defaults, no
 * coercion, no removal — the ingest decides what to change.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    validateFormats: true,
    useDefaults: false,
    coerceTypes: false,
    removeAdditional: false,
    // Each event's schema stands alone: the same $id in two events must not collide.
    addUsedSchema: false,
    logger: false,
  });
  addFormats(ajv);
  return ajv;
}

export function compileSchema(ajv: Ajv, schema: unknown): CompiledSchema {
  const problem = lintSchema(schema);
  if (problem) throw new SchemaProblemError(problem);
  if (!isObject(schema) && typeof schema !== 'boolean') {
    throw new SchemaProblemError({ pointer: '#', message: 'expected a schema object' });
  }
  if (!ajv.validateSchema(schema)) {
    throw new SchemaProblemError(describeMetaErrors(ajv.errors ?? []));
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    throw new SchemaProblemError(describeCompileError(ajv, err), err);
  }
  return { validate, ...declaredProperties(schema) };
}

function describeCompileError(ajv: Ajv, err: unknown): SchemaProblem {
  const message = err instanceof Error ? err.message.replace(/^strict mode: /, '') : String(err);
  const format = /^unknown format "(.*)" ignored in schema at path "(.*)"$/.exec(message);
  if (format) {
    const known = Object.keys(ajv.formats).join(', ');
    return { pointer: format[2] ?? '#', message: `unknown format "${format[1] ?? ''}" (known: ${known})` };
  }
  const ref = /^can't resolve reference (.*) from id (.*)$/.exec(message);
  if (ref) return { pointer: '#', message: `$ref "${ref[1] ?? ''}" does not resolve to anything in this schema` };
  return { pointer: '#', message };
}

function declaredProperties(schema: unknown): Pick<CompiledSchema, 'declared' | 'patterns'> {
  if (!isObject(schema)) return { declared: null, patterns: [] };
  const { properties, patternProperties, additionalProperties } = schema;
  const open = additionalProperties !== undefined && additionalProperties !== false;
  if (open || (!isObject(properties) && !isObject(patternProperties))) return { declared: null, patterns: [] };
  return {
    declared: new Set(isObject(properties) ? Object.keys(properties) : []),
    patterns: isObject(patternProperties) ? Object.keys(patternProperties).map((p) => new RegExp(p, 'u')) : [],
  };
}

/**
 * ajv's meta-schema errors come as several entries for one mistake (enum, type, anyOf for
 * `type: "strin"`); report the first location only, its distinct messages joined.
 */
export function describeMetaErrors(errors: readonly ErrorObject[]): SchemaProblem {
  const first = errors[0];
  if (!first) return { pointer: '#', message: 'schema is invalid' };
  const at = first.instancePath;
  const messages: string[] = [];
  for (const e of errors) {
    if (e.instancePath !== at || e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    const text = `${e.message ?? e.keyword}${Array.isArray(allowed) ? ` (${allowed.map(String).join(', ')})` : ''}`;
    if (!messages.includes(text)) messages.push(text);
  }
  if (messages.length === 0) messages.push(first.message ?? 'is invalid');
  return { pointer: `#${at}`, message: messages.join(' or ') };
}
