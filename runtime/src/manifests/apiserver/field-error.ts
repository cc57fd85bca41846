/**
 * Field errors as k8s.io/apimachinery/pkg/util/validation/field builds and prints them, so
 * local validation reports exactly what `kubectl apply` shows.
 */

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueUnknown';

/** A step in a field path: a property name, or an array index. */
export type PathSegment = string | number;

export interface FieldError {
  type: FieldErrorType;
  /** Where in the object, as segments (for finding the line) … */
  segments: PathSegment[];
  /** … and as Kubernetes prints it: spec.writeKeys[0].secretRef.name, spec.mapping[user_data.em]. */
  field: string;
  /** The part after "<field>: ", e.g. `Invalid value: 100: spec.x in body should be …`. */
  body: string;
}

/** A field path that prints like field.Path: dotted children, [i] indices, [key] map keys. */
export class FieldPath {
  readonly segments: PathSegment[];
  readonly text: string;

  private constructor(segments: PathSegment[], text: string) {
    this.segments = segments;
    this.text = text;
  }

  static root(): FieldPath {
    return new FieldPath([], '');
  }

  /** A path from kube-openapi's dotted form; the segments still tell indices from names. */
  static of(segments: PathSegment[]): FieldPath {
    let p = FieldPath.root();
    for (const s of segments) p = typeof s === 'number' ? p.index(s) : p.child(s);
    return p;
  }

  child(name: string): FieldPath {
    return new FieldPath([...this.segments, name], this.text ? `${this.text}.${name}` : name);
  }

  index(i: number): FieldPath {
    return new FieldPath([...this.segments, i], `${this.text}[${i}]`);
  }

  /** A map key: printed in brackets, as CEL and list-type errors name them. */
  key(k: string): FieldPath {
    return new FieldPath([...this.segments, k], `${this.text}[${k}]`);
  }

  /** field.Path prints a nil path as "<nil>". */
  toString(): string {
    return this.text || '<nil>';
  }
}

function make(type: FieldErrorType, path: FieldPath, body: string): FieldError {
  return { type, segments: path.segments, field: path.text, body };
}

function withDetail(head: string, detail: string): string {
  return detail ? `${head}: ${detail}` : head;
}

export const fieldError = {
  required: (path: FieldPath, detail = '') => make('FieldValueRequired', path, withDetail('Required value', detail)),
  forbidden: (path: FieldPath, detail = '') => make('FieldValueForbidden', path, withDetail('Forbidden', detail)),
  invalid: (path: FieldPath, value: unknown, detail: string) =>
    make('FieldValueInvalid', path, withDetail(`Invalid value: ${goValue(value)}`, detail)),
  typeInvalid: (path: FieldPath, value: unknown, detail: string) =>
    make('FieldValueTypeInvalid', path, withDetail(`Invalid value: ${goValue(value)}`, detail)),
  notSupported: (path: FieldPath, value: unknown, supported: unknown[]) =>
    make(
      'FieldValueNotSupported',
      path,
      withDetail(`Unsupported value: ${goValue(value)}`, supported.length ? `supported values: ${supported.map((v) => goQuote(typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}` : ''),
    ),
  duplicate: (path: FieldPath, value: unknown) => make('FieldValueDuplicate', path, `Duplicate value: ${goValue(value)}`),
  tooLong: (path: FieldPath, max: number) =>
    make('FieldValueTooLong', path, `Too long: ${max >= 0 ? `may not be more than ${max} bytes` : 'value is too long'}`),
  tooMany: (path: FieldPath, actual: number, max: number) =>
    make('FieldValueTooMany', path, withDetail(`Too many${actual >= 0 ? `: ${actual}` : ''}`, max >= 0 ? `must have at most ${max} items` : 'has too many items')),
  /** Strict field validation (kubectl's default) rejects fields the schema does not declare. */
  unknown: (path: FieldPath) => make('FieldValueUnknown', path, `unknown field ${goQuote(path.text)}`),
};

/** `field: body`, the way the API server prints one error. */
export function formatFieldError(e: FieldError): string {
  return `${e.field || '<nil>'}: ${e.body}`;
}

/** Prints a JSON value the way field.Error does: %q strings, %v numbers, %#v for the rest. */
export function goValue(value: unknown): string {
  if (value === null || value === undefined) return '"null"';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'bigint') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  return goSharpV(value);
}

/** Go's %#v of an unstructured value: map[string]interface {}{"k":v}, []interface {}{…}. */
function goSharpV(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'bigint') return goNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpV).join(', ')}}`;
  // Go prints map keys sorted.
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map[string]interface {}{${entries.map(([k, v]) => `${goQuote(k)}:${goSharpV(v)}`).join(', ')}}`;
}

/** int64 prints as an integer; float64 as %v, which switches to e-notation at 1e6 or below 1e-4. */
export function goNumber(n: number | bigint): string {
  if (typeof n === 'bigint' || Number.isInteger(n)) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const [mantissa, exp] = n.toExponential().split('e') as [string, string];
  const e = Number(exp);
  if (e < -4 || e >= 6) {
    const sign = e < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return String(n);
}

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\v': '\\v' };

/** strconv.Quote: escapes quotes, backslashes and control characters. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
