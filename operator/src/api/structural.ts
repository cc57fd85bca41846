import type { TSchema } from '@sinclair/typebox';

/**
 * The subset of apiextensions.k8s.io/v1 JSONSchemaProps Sluice's CRDs use. A structural
 * schema: every node has a type (or preserves unknown fields), no additionalProperties next
 * to properties, no anyOf/oneOf/$ref.
 */
export interface JSONSchemaProps {
  description?: string;
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  nullable?: boolean;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string; messageExpression?: string; fieldPath?: string; reason?: string }>;
}

/** String formats the API server validates; others are dropped by it, so we refuse them here. */
const KUBERNETES_FORMATS = new Set([
  'bsonobjectid', 'uri', 'email', 'hostname', 'ipv4', 'ipv6', 'cidr', 'mac', 'uuid', 'uuid3', 'uuid4', 'uuid5',
  'isbn', 'isbn10', 'isbn13', 'creditcard', 'ssn', 'hexcolor', 'rgbcolor', 'byte', 'password', 'date', 'duration', 'date-time',
  'datetime', 'int32', 'int64', 'float', 'double',
]);

/** Keywords copied unchanged, in the order they are written out. */
const SCALAR_KEYWORDS = [
  'format', 'enum', 'default', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'multipleOf',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'nullable',
] as const;

const EXTENSIONS = [
  'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
  'x-kubernetes-validations',
] as const;

/** TypeBox bookkeeping and keywords handled separately; anything else is an error. */
const HANDLED = new Set<string>([
  ...SCALAR_KEYWORDS, ...EXTENSIONS, 'description', 'type', 'properties', 'required', 'items', 'anyOf', 'patternProperties', '$id',
  'exclusiveMinimum', 'exclusiveMaximum', 'additionalProperties',
]);

export class SchemaConversionError extends Error {
  constructor(path: string, problem: string) {
    super(`converting the API schema to a CRD schema at ${path || '(root)'}: ${problem}`);
    this.name = 'SchemaConversionError';
  }
}

/**
 * Converts a TypeBox schema to a structural OpenAPI v3 schema: unions of literals become
 * `enum`, records become `additionalProperties` (or preserve unknown fields when their values
 * are free-form), TypeBox's own keys are dropped. Throws on anything Kubernetes cannot express,
 * so the API definition stays convertible.
 */
export function toStructural(schema: TSchema, path = ''): JSONSchemaProps {
  const s = schema as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!HANDLED.has(key)) throw new SchemaConversionError(path, `unsupported keyword "${key}"`);
  }
  const out: JSONSchemaProps = {};
  if (typeof s.description === 'string') out.description = s.description;

  if (Array.isArray(s.anyOf)) {
    Object.assign(out, literalUnion(s.anyOf as Record<string, unknown>[], path));
  } else if (s.type !== undefined) {
    if (typeof s.type !== 'string' || !['object', 'array', 'string', 'integer', 'number', 'boolean'].includes(s.type)) {
      throw new SchemaConversionError(path, `unsupported type ${JSON.stringify(s.type)}`);
    }
    out.type = s.type as JSONSchemaProps['type'];
  } else if (s['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new SchemaConversionError(path, 'every field needs a type (or x-kubernetes-preserve-unknown-fields)');
  }

  for (const key of SCALAR_KEYWORDS) {
    if (s[key] !== undefined) (out as Record<string, unknown>)[key] = s[key];
  }
  if (typeof out.format === 'string' && !KUBERNETES_FORMATS.has(out.format)) {
    throw new SchemaConversionError(path, `format "${out.format}" is not one Kubernetes validates`);
  }
  convertExclusive(s, out, path);

  if (s.properties !== undefined) {
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
      throw new SchemaConversionError(path, 'additionalProperties next to properties is not structural');
    }
    const props: Record<string, JSONSchemaProps> = {};
    for (const [name, sub] of Object.entries(s.properties as Record<string, TSchema>)) {
      props[name] = toStructural(sub, join(path, name));
    }
    out.properties = props;
    if (Array.isArray(s.required) && s.required.length > 0) out.required = [...(s.required as string[])];
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) throw new SchemaConversionError(path, 'tuple items are not supported');
    out.items = toStructural(s.items as TSchema, `${path}[]`);
  }
  if (s.patternProperties !== undefined) convertRecord(s, out, path);

  for (const key of EXTENSIONS) {
    if (s[key] !== undefined) (out as Record<string, unknown>)[key] = s[key];
  }
  return out;
}

function literalUnion(members: Record<string, unknown>[], path: string): JSONSchemaProps {
  const values = members.map((m) => {
    if (!('const' in m)) throw new SchemaConversionError(path, 'only unions of literals are supported (they become enum)');
    return m.const;
  });
  const types = new Set(values.map((v) => (typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v)));
  if (types.size !== 1) throw new SchemaConversionError(path, 'a union of literals must have one type');
  const [type] = types;
  if (type !== 'string' && type !== 'integer' && type !== 'number' && type !== 'boolean') {
    throw new SchemaConversionError(path, `literals of type ${String(type)} are not supported`);
  }
  return { type, enum: values };
}

/** TypeBox writes JSON Schema 2019 numeric exclusive bounds; OpenAPI v3.0 wants booleans. */
function convertExclusive(s: Record<string, unknown>, out: JSONSchemaProps, path: string): void {
  for (const [key, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    const v = s[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || s[bound] !== undefined) {
      throw new SchemaConversionError(path, `${key} must be a number and not combined with ${bound}`);
    }
    out[bound] = v;
    out[key] = true;
  }
}

function convertRecord(s: Record<string, unknown>, out: JSONSchemaProps, path: string): void {
  const patterns = Object.entries(s.patternProperties as Record<string, TSchema>);
  const [entry] = patterns;
  if (patterns.length !== 1 || !entry || s.properties !== undefined) {
    throw new SchemaConversionError(path, 'only Type.Record(Type.String(), …) maps are supported');
  }
  const value = entry[1] as Record<string, unknown>;
  const freeForm = Object.keys(value).length === 0;
  if (freeForm || s['x-kubernetes-preserve-unknown-fields'] === true) {
    // A free-form object (a JSON Schema, destination settings): kept as written.
    out['x-kubernetes-preserve-unknown-fields'] = true;
    return;
  }
  out.additionalProperties = toStructural(entry[1], `${path}[*]`);
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}
