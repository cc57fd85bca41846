import { describe, expect, it } from 'vitest';
import { formatFieldError } from './apiserver/index.ts';
import { decodeConfigMap, decodeSecret, MAX_DATA_BYTES } from './core.ts';

const secret = (fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, ...fields });
const configMap = (fields: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, ...fields });

describe('decodeSecret', () => {
  it('decodes data from base64 and merges stringData over it', () => {
    const { value, errors } = decodeSecret(secret({ type: 'Opaque', data: { a: 'b2xk', b: 'Yg==' }, stringData: { a: 'new', c: 'plain' } }));
    expect(errors).toEqual([]);
    expect(value?.name).toBe('s');
    expect(Object.fromEntries(value?.data ?? [])).toEqual({ a: 'new', b: 'b', c: 'plain' });
  });

  it.each([
    {
      name: 'bad base64, without echoing the secret',
      fields: { data: { k: 'abc$def' } },
      errors: ['data[k]: Invalid value: "<value omitted>": illegal base64 data at input byte 3; use stringData for plain text'],
    },
    {
      name: 'a key Kubernetes refuses',
      fields: { stringData: { 'my key': 'v' } },
      errors: [
        "data[my key]: Invalid value: \"my key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ],
    },
    {
      name: 'a value YAML read as a boolean',
      fields: { stringData: { enabled: true } },
      errors: ['stringData[enabled]: Invalid value: "boolean": must be a string (quote it: YAML reads true as a boolean)'],
    },
    { name: 'an unknown field', fields: { stringdata: { a: 'b' } }, errors: ['stringdata: unknown field "stringdata"'] },
    { name: 'data that is not a map', fields: { data: ['a'] }, errors: ['data: Invalid value: "array": data must be a map of base64 strings'] },
    { name: 'more than 1 MiB', fields: { stringData: { big: 'x'.repeat(MAX_DATA_BYTES + 1) } }, errors: [`data: Too long: may not be more than ${MAX_DATA_BYTES} bytes`] },
    {
      name: 'no name',
      fields: { metadata: {}, stringData: { a: 'b' } },
      errors: ['metadata.name: Required value: name or generateName is required'],
    },
  ])('reports $name', ({ fields, errors }) => {
    const r = decodeSecret(secret(fields));
    expect(r.errors.map(formatFieldError)).toEqual(errors);
    expect(r.value).toBeUndefined();
  });
});

describe('decodeConfigMap', () => {
  it('keeps data as text and decodes binaryData', () => {
    const { value, errors } = decodeConfigMap(configMap({ metadata: { name: 'c', namespace: 'shop' }, data: { 'index.js': 'x' }, binaryData: { 'lib.js': 'eQ==' } }));
    expect(errors).toEqual([]);
    expect(value?.namespace).toBe('shop');
    expect(Object.fromEntries(value?.data ?? [])).toEqual({ 'index.js': 'x', 'lib.js': 'y' });
  });

  it('refuses a key in both data and binaryData', () => {
    const { errors } = decodeConfigMap(configMap({ data: { k: 'x' }, binaryData: { k: 'eQ==' } }));
    expect(errors.map(formatFieldError)).toEqual(['data[k]: Invalid value: "k": duplicate of key present in binaryData']);
  });
});
