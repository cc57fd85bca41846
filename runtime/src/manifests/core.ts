import { fieldError, FieldPath, type FieldError } from './apiserver/field-error.ts';
import { validateObjectMeta } from './apiserver/meta.ts';
import { isObject } from './apiserver/structural.ts';

/** A v1 Secret or ConfigMap decoded: every key with its value as text. */
export interface KeyValues {
  name: string;
  namespace?: string;
  data: Map<string, string>;
}

/** The API server's limit on a Secret's or ConfigMap's data. */
export const MAX_DATA_BYTES = 1024 * 1024;

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const SECRET_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type', 'immutable']);
const CONFIGMAP_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable']);

/**
 * A v1 Secret as the API server reads it: `data` base64-decoded, `stringData` merged over
 * it (stringData wins), keys and total size checked.
 */
export function decodeSecret(obj: Record<string, unknown>): { value?: KeyValues; errors: FieldError[] } {
  const root = FieldPath.root();
  const errors = [...unknownFields(obj, SECRET_FIELDS), ...validateObjectMeta(obj.metadata)];
  const data = new Map<string, string>();
  decodeBase64Map(obj.data, root.child('data'), data, errors);
  readStringMap(obj.stringData, root.child('stringData'), data, errors);
  errors.push(...checkKeys(data, root.child('data')));
  return finish(obj, data, errors);
}

/** A v1 ConfigMap: `data` as text, `binaryData` base64-decoded; a key may be in only one of them. */
export function decodeConfigMap(obj: Record<string, unknown>): { value?: KeyValues; errors: FieldError[] } {
  const root = FieldPath.root();
  const errors = [...unknownFields(obj, CONFIGMAP_FIELDS), ...validateObjectMeta(obj.metadata)];
  const data = new Map<string, string>();
  readStringMap(obj.data, root.child('data'), data, errors);
  errors.push(...checkKeys(data, root.child('data')));
  const binary = new Map<string, string>();
  decodeBase64Map(obj.binaryData, root.child('binaryData'), binary, errors);
  errors.push(...checkKeys(binary, root.child('binaryData')));
  for (const [k, v] of binary) {
    if (data.has(k)) errors.push(fieldError.invalid(root.child('data').key(k), k, 'duplicate of key present in binaryData'));
    else data.set(k, v);
  }
  return finish(obj, data, errors);
}

function finish(obj: Record<string, unknown>, data: Map<string, string>, errors: FieldError[]) {
  let bytes = 0;
  for (const v of data.values()) bytes += Buffer.byteLength(v);
  if (bytes > MAX_DATA_BYTES) errors.push(fieldError.tooLong(FieldPath.root().child('data'), MAX_DATA_BYTES));
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined;
  return { value: errors.length === 0 ? { name, ...(namespace ? { namespace } : {}), data } : undefined, errors };
}

function unknownFields(obj: Record<string, unknown>, known: Set<string>): FieldError[] {
  return Object.keys(obj)
    .filter((k) => !known.has(k))
    .map((k) => fieldError.unknown(FieldPath.root().child(k)));
}

function readStringMap(value: unknown, path: FieldPath, into: Map<string, string>, errors: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) {
    errors.push(fieldError.typeInvalid(path, typeOf(value), `${path.text} must be a map of strings`));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string') into.set(k, v);
    // kubectl reads YAML 1.1, so `enabled: yes` is a boolean here too; a quoted value fixes it.
    else errors.push(fieldError.typeInvalid(path.key(k), typeOf(v), `must be a string (quote it: YAML reads ${JSON.stringify(v)} as a ${typeOf(v)})`));
  }
}

function decodeBase64Map(value: unknown, path: FieldPath, into: Map<string, string>, errors: FieldError[]): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) {
    errors.push(fieldError.typeInvalid(path, typeOf(value), `${path.text} must be a map of base64 strings`));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      errors.push(fieldError.typeInvalid(path.key(k), typeOf(v), 'must be a base64-encoded string'));
    } else if (!BASE64.test(v)) {
      // Never echo the value: it is (part of) a secret.
      errors.push(fieldError.invalid(path.key(k), '<value omitted>', `illegal base64 data at input byte ${badBase64Offset(v)}; use stringData for plain text`));
    } else {
      into.set(k, Buffer.from(v, 'base64').toString('utf8'));
    }
  }
}

/** Where Go's base64 decoder gives up: the first byte outside the alphabet, else the broken padding. */
function badBase64Offset(v: string): number {
  const bad = v.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return bad;
  const pad = v.indexOf('=');
  if (pad >= 0 && pad < v.length - 2) return pad;
  return v.length - (v.length % 4 || 4);
}

function checkKeys(data: Map<string, string>, path: FieldPath): FieldError[] {
  const errors: FieldError[] = [];
  for (const k of data.keys()) {
    if (k.length > 253) errors.push(fieldError.invalid(path.key(k), k, 'must be no more than 253 characters'));
    if (!CONFIG_KEY.test(k)) errors.push(fieldError.invalid(path.key(k), k, CONFIG_KEY_MSG));
  }
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
