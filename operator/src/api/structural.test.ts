import { Type, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { allCrds, type JSONSchemaProps } from './crd.ts';
import { SchemaConversionError, toStructural } from './structural.ts';

describe('toStructural', () => {
  const cases: Array<{ name: string; input: TSchema; output: JSONSchemaProps }> = [
    {
      name: 'a union of string literals becomes type string with an enum, keeping the default',
      input: Type.Union([Type.Literal('allow'), Type.Literal('block')], { description: 'd', default: 'allow' }),
      output: { description: 'd', type: 'string', enum: ['allow', 'block'], default: 'allow' },
    },
    {
      name: 'optional properties are not required; TypeBox $id is dropped',
      input: Type.Object({ a: Type.String(), b: Type.Optional(Type.Integer({ minimum: 1 })) }, { $id: 'X', description: 'o' }),
      output: { description: 'o', type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer', minimum: 1 } }, required: ['a'] },
    },
    {
      name: 'an object without required properties has no required list',
      input: Type.Object({ a: Type.Optional(Type.Boolean()) }),
      output: { type: 'object', properties: { a: { type: 'boolean' } } },
    },
    {
      name: 'a record of strings becomes additionalProperties',
      input: Type.Record(Type.String(), Type.String({ minLength: 1 }), { maxProperties: 3 }),
      output: { type: 'object', maxProperties: 3, additionalProperties: { type: 'string', minLength: 1 } },
    },
    {
      name: 'a free-form record preserves unknown fields',
      input: Type.Record(Type.String(), Type.Unknown(), { description: 'schema' }),
      output: { description: 'schema', type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    {
      name: 'arrays keep items, bounds and list types; rules pass through',
      input: Type.Array(Type.Object({ name: Type.String() }), {
        maxItems: 5,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-validations': [{ rule: 'size(self) > 0', message: 'm' }],
      }),
      output: {
        type: 'array',
        maxItems: 5,
        items: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-validations': [{ rule: 'size(self) > 0', message: 'm' }],
      },
    },
    {
      name: 'numeric exclusive bounds become OpenAPI v3.0 booleans',
      input: Type.Number({ exclusiveMinimum: 0 }),
      output: { type: 'number', minimum: 0, exclusiveMinimum: true },
    },
  ];
  it.each(cases)('$name', ({ input, output }) => {
    expect(toStructural(input)).toEqual(output);
  });

  const refused: Array<{ name: string; input: TSchema; error: RegExp }> = [
    { name: 'a union of objects', input: Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]), error: /only unions of literals/ },
    { name: 'a field without a type', input: Type.Object({ a: Type.Unknown() }), error: /at a: every field needs a type/ },
    { name: 'a format Kubernetes does not check', input: Type.String({ format: 'regex' }), error: /format "regex"/ },
    { name: 'a keyword it cannot express', input: Type.Object({ a: Type.String() }, { additionalProperties: Type.String() }), error: /additionalProperties next to properties/ },
    { name: 'oneOf', input: { oneOf: [{ type: 'string' }] } as unknown as TSchema, error: /unsupported keyword "oneOf"/ },
  ];
  it.each(refused)('refuses $name', ({ input, error }) => {
    expect(() => toStructural(input)).toThrow(SchemaConversionError);
    expect(() => toStructural(input)).toThrow(error);
  });
});

/** Every node of a schema with its path. */
function* nodes(s: JSONSchemaProps, path: string): Generator<[string, JSONSchemaProps]> {
  yield [path, s];
  for (const [k, v] of Object.entries(s.properties ?? {})) yield* nodes(v, `${path}.${k}`);
  if (s.items) yield* nodes(s.items, `${path}[]`);
  if (s.additionalProperties) yield* nodes(s.additionalProperties, `${path}[*]`);
}

describe('the generated CRD schemas', () => {
  const crds = allCrds();

  it('are structural: every node typed (or preserving unknown fields), no additionalProperties beside properties', () => {
    const bad: string[] = [];
    for (const crd of crds) {
      for (const [path, s] of nodes(crd.spec.versions[0]!.schema.openAPIV3Schema, crd.spec.names.kind)) {
        if (!s.type && !s['x-kubernetes-preserve-unknown-fields']) bad.push(`${path}: no type`);
        if (s.properties && s.additionalProperties) bad.push(`${path}: properties and additionalProperties`);
        if (s.type === 'array' && !s.items) bad.push(`${path}: array without items`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('describe every spec and status field, for kubectl explain', () => {
    const missing: string[] = [];
    for (const crd of crds) {
      const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
      for (const part of ['spec', 'status'] as const) {
        for (const [path, s] of nodes(root.properties![part]!, `${crd.spec.names.kind}.${part}`)) {
          // Items and map values are described by their list or map.
          if (!s.description && !path.endsWith('[]') && !path.endsWith('[*]')) missing.push(path);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('bound every string and list a CEL rule reads, so the API server can estimate the rule cost', () => {
    const unbounded: string[] = [];
    for (const crd of crds) {
      const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
      // Rules at the root read metadata.name only.
      if (root['x-kubernetes-validations'] && root.properties?.metadata?.properties?.name?.maxLength === undefined) unbounded.push('metadata.name');
      for (const [path, s] of nodes(root.properties!.spec!, `${crd.spec.names.kind}.spec`)) {
        if (!s['x-kubernetes-validations']) continue;
        for (const [inner, n] of nodes(s, path)) {
          if (n.type === 'string' && n.maxLength === undefined && n.enum === undefined) unbounded.push(inner);
          if (n.type === 'array' && n.maxItems === undefined) unbounded.push(inner);
          if (n.type === 'object' && n.additionalProperties && n.maxProperties === undefined) unbounded.push(inner);
        }
      }
    }
    expect(unbounded).toEqual([]);
  });
});
