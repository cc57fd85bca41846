import type { JSONSchemaProps } from '../../../../operator/src/api/crd.ts';
import { fieldError, FieldPath, type FieldError } from './field-error.ts';
import { isObject } from './structural.ts';

/**
 * The x-kubernetes-list-type invariants: a `set` holds no value twice, a `map` no key twice.
 * Like the API server, each repeated value is reported once, at its second appearance, in
 * linear time however long the list.
 */
export function validateListTypes(value: unknown, schema: JSONSchemaProps | undefined, path: FieldPath = FieldPath.root()): FieldError[] {
  if (!schema) return [];
  const errors: FieldError[] = [];
  if (Array.isArray(value)) {
    if (schema['x-kubernetes-list-type'] === 'set') {
      for (const i of repeated(value)) errors.push(fieldError.duplicate(path.index(i), value[i]));
    } else if (schema['x-kubernetes-list-type'] === 'map') {
      errors.push(...validateListMap(value, schema['x-kubernetes-list-map-keys'] ?? [], path));
    }
    value.forEach((v, i) => errors.push(...validateListTypes(v, schema.items, path.index(i))));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub = schema.properties?.[k];
      if (sub) errors.push(...validateListTypes(v, sub, path.child(k)));
      else if (schema.additionalProperties) errors.push(...validateListTypes(v, schema.additionalProperties, path.key(k)));
    }
  }
  return errors;
}

function validateListMap(list: unknown[], keyFields: string[], path: FieldPath): FieldError[] {
  const bad = list.findIndex((x) => x !== null && !isObject(x));
  if (bad >= 0) return [fieldError.invalid(path.index(bad), list[bad], 'must be an object for an array of list-type map')];
  const keys = list.map((x) => {
    const key: Record<string, unknown> = {};
    if (isObject(x)) for (const f of keyFields) if (f in x) key[f] = x[f];
    return key;
  });
  return repeated(keys).map((i) => fieldError.duplicate(path.index(i), keys[i]));
}

/** Indices of the second appearance of every value that appears more than once. */
function repeated(list: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  list.forEach((x, i) => {
    const id = identity(x);
    const times = seen.get(id) ?? 0;
    seen.set(id, times + 1);
    if (times === 1) out.push(i);
  });
  return out;
}

/** Go compares scalars by type and value and compounds by their JSON (map keys sorted). */
function identity(x: unknown): string {
  return `${typeof x}:${JSON.stringify(sortKeys(x))}`;
}

function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (isObject(x)) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys(x[k])]));
  return x;
}
