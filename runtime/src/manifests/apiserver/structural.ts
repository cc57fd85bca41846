import type { JSONSchemaProps } from '../../../../operator/src/api/crd.ts';
import { fieldError, FieldPath, type FieldError } from './field-error.ts';

/**
 * What the API server does to a custom resource before validating it: drop (and, under
 * kubectl's strict field validation, report) fields the schema does not declare, drop nulls
 * of non-nullable fields, apply defaults. Mutates `obj`.
 */
export function prepare(obj: Record<string, unknown>, schema: JSONSchemaProps): FieldError[] {
  const errors: FieldError[] = [];
  pruneRoot(obj, schema, errors);
  pruneNulls(obj, schema);
  applyDefaults(obj, schema);
  return errors;
}

/** ObjectMeta fields a manifest may carry; anything else under metadata is unknown. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]);

function pruneRoot(obj: Record<string, unknown>, schema: JSONSchemaProps, errors: FieldError[]): void {
  const root = FieldPath.root();
  for (const key of Object.keys(obj)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key === 'metadata') {
      const meta = obj.metadata;
      if (isObject(meta)) {
        for (const k of Object.keys(meta)) {
          if (!OBJECT_META_FIELDS.has(k)) {
            errors.push(fieldError.unknown(root.child('metadata').child(k)));
            delete meta[k];
          }
        }
      }
      continue;
    }
    const sub = schema.properties?.[key];
    if (!sub) {
      errors.push(fieldError.unknown(root.child(key)));
      delete obj[key];
      continue;
    }
    prune(obj[key], sub, root.child(key), errors);
  }
}

function prune(value: unknown, schema: JSONSchemaProps, path: FieldPath, errors: FieldError[]): void {
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((v, i) => prune(v, schema.items!, path.index(i), errors));
    return;
  }
  if (!isObject(value)) return;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const key of Object.keys(value)) {
    const sub = schema.properties?.[key];
    if (sub) {
      prune(value[key], sub, path.child(key), errors);
    } else if (schema.additionalProperties) {
      prune(value[key], schema.additionalProperties, path.child(key), errors);
    } else if (!preserve) {
      errors.push(fieldError.unknown(path.child(key)));
      delete value[key];
    }
  }
}

function fieldSchema(schema: JSONSchemaProps | undefined, key: string): JSONSchemaProps | undefined {
  return schema?.properties?.[key] ?? schema?.additionalProperties;
}

/** Nulls of fields that are neither nullable nor defaulted are removed (defaulted ones get the default). */
function pruneNulls(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (Array.isArray(value)) {
    for (const v of value) pruneNulls(v, schema?.items);
    return;
  }
  if (!isObject(value)) return;
  for (const key of Object.keys(value)) {
    const sub = fieldSchema(schema, key);
    if (value[key] === null && sub && !sub.nullable && sub.default === undefined) delete value[key];
    else pruneNulls(value[key], sub);
  }
}

/** structuraldefaulting.Default: missing (or null, non-nullable) fields get their default, recursively. */
export function applyDefaults(value: unknown, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (isNonNullableNull(v, schema.items)) value[i] = structuredClone(schema.items!.default);
      applyDefaults(value[i], schema.items);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default === undefined) continue;
    if (!(key in value) || isNonNullableNull(value[key], prop)) value[key] = structuredClone(prop.default);
  }
  for (const key of Object.keys(value)) {
    const prop = schema.properties?.[key];
    if (prop) applyDefaults(value[key], prop);
    else if (schema.additionalProperties) {
      if (isNonNullableNull(value[key], schema.additionalProperties)) value[key] = structuredClone(schema.additionalProperties.default);
      applyDefaults(value[key], schema.additionalProperties);
    }
  }
}

function isNonNullableNull(v: unknown, s: JSONSchemaProps | undefined): boolean {
  return v === null && s !== undefined && !s.nullable && s.default !== undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
