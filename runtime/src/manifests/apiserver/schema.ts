import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { JSONSchemaProps } from '../../../../operator/src/api/crd.ts';
import { fieldError, FieldPath, goQuote, type FieldError, type PathSegment } from './field-error.ts';

// ajv-formats ships CommonJS whose default export TypeScript sees as the module namespace.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/**
 * The OpenAPI part of custom-resource validation: the CRD schema compiled once with ajv,
 * and ajv's errors turned into the field errors kube-openapi and apiextensions-apiserver
 * produce for the same failures.
 */
export function compileSchema(schema: JSONSchemaProps): (obj: unknown) => FieldError[] {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false, validateFormats: true });
  addFormats(ajv);
  const validate = ajv.compile(toAjv(schema));
  return (obj) => (validate(obj) ? [] : toFieldErrors(validate, obj));
}

/** OpenAPI v3.0 → JSON Schema draft-07: nullable, boolean exclusive bounds; extensions dropped. */
function toAjv(s: JSONSchemaProps): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(s)) {
    if (key.startsWith('x-kubernetes-') || key === 'description' || key === 'default' || key === 'nullable') continue;
    if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, toAjv(v)]));
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = toAjv(value as JSONSchemaProps);
    } else {
      out[key] = value;
    }
  }
  if (s.exclusiveMinimum && s.minimum !== undefined) {
    delete out.minimum;
    out.exclusiveMinimum = s.minimum;
  }
  if (s.exclusiveMaximum && s.maximum !== undefined) {
    delete out.maximum;
    out.exclusiveMaximum = s.maximum;
  }
  if (s.nullable && typeof s.type === 'string') out.type = [s.type, 'null'];
  return out;
}

/** kube-openapi checks a string's maxLength, then minLength, then pattern, and reports only the first failure. */
const STRING_ORDER = ['maxLength', 'minLength', 'pattern'];

function toFieldErrors(validate: ValidateFunction, obj: unknown): FieldError[] {
  const errors = validate.errors ?? [];
  const firstStringError = new Map<string, string>();
  for (const e of errors) {
    if (!STRING_ORDER.includes(e.keyword)) continue;
    const seen = firstStringError.get(e.instancePath);
    if (seen === undefined || STRING_ORDER.indexOf(e.keyword) < STRING_ORDER.indexOf(seen)) firstStringError.set(e.instancePath, e.keyword);
  }
  const out: FieldError[] = [];
  for (const e of errors) {
    if (STRING_ORDER.includes(e.keyword) && firstStringError.get(e.instancePath) !== e.keyword) continue;
    out.push(toFieldError(e, obj));
  }
  return out;
}

function toFieldError(e: ErrorObject, obj: unknown): FieldError {
  const { segments, value } = locate(obj, e.instancePath);
  const path = FieldPath.of(segments);
  const p = e.params as Record<string, unknown>;
  const inBody = `${path.text} in body`;
  switch (e.keyword) {
    case 'required':
      return fieldError.required(path.child(String(p.missingProperty)));
    case 'type': {
      const actual = jsonType(value);
      return fieldError.typeInvalid(path, actual, `${inBody} must be of type ${typeName(p.type)}: "${actual}"`);
    }
    case 'enum':
      return fieldError.notSupported(path, value, (p.allowedValues as unknown[]) ?? []);
    case 'maxLength':
      return fieldError.tooLong(path, Number(p.limit));
    case 'minLength':
      return fieldError.invalid(path, value, `${inBody} should be at least ${String(p.limit)} chars long`);
    case 'pattern':
      return fieldError.invalid(path, value, `${inBody} should match '${String(p.pattern)}'`);
    case 'minimum':
      return fieldError.invalid(path, value, `${inBody} should be greater than or equal to ${String(p.limit)}`);
    case 'exclusiveMinimum':
      return fieldError.invalid(path, value, `${inBody} should be greater than ${String(p.limit)}`);
    case 'maximum':
      return fieldError.invalid(path, value, `${inBody} should be less than or equal to ${String(p.limit)}`);
    case 'exclusiveMaximum':
      return fieldError.invalid(path, value, `${inBody} should be less than ${String(p.limit)}`);
    case 'multipleOf':
      return fieldError.invalid(path, value, `${inBody} should be a multiple of ${String(p.multipleOf)}`);
    case 'minItems':
      return fieldError.invalid(path, lengthOf(value), `${inBody} should have at least ${String(p.limit)} items`);
    case 'maxItems':
      return fieldError.tooMany(path, lengthOf(value), Number(p.limit));
    case 'minProperties':
      return fieldError.invalid(path, lengthOf(value), `${inBody} should have at least ${String(p.limit)} properties`);
    case 'maxProperties':
      return fieldError.tooMany(path, lengthOf(value), Number(p.limit));
    case 'format':
      return fieldError.typeInvalid(path, value, `${inBody} must be of type ${String(p.format)}: ${goQuote(String(value))}`);
    default:
      return fieldError.invalid(path, value ?? '', `${inBody} ${e.message ?? 'is invalid'}`);
  }
}

/** Follows a JSON pointer through the data, telling array indices from property names. */
function locate(obj: unknown, pointer: string): { segments: PathSegment[]; value: unknown } {
  const segments: PathSegment[] = [];
  let value: unknown = obj;
  if (!pointer) return { segments, value };
  for (const raw of pointer.slice(1).split('/')) {
    const name = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(value)) {
      const i = Number(name);
      segments.push(i);
      value = value[i];
    } else {
      segments.push(name);
      value = (value as Record<string, unknown> | undefined)?.[name];
    }
  }
  return { segments, value };
}

/** The OpenAPI type kube-openapi infers for a decoded JSON value. */
function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeName(t: unknown): string {
  return Array.isArray(t) ? t.filter((x) => x !== 'null').join(',') : String(t);
}

function lengthOf(v: unknown): number {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'object' && v !== null) return Object.keys(v).length;
  return -1;
}
