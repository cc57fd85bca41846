/**
 * Thrown by a library function whose input gives nothing to send: null, an empty string
 * to hash, a phone number that is not one, text that is not a number. The expression then
 * yields no value, like a missing field: a mapping omits the output field, a filter is
 * false, `coalesce` and `default` move on to their next argument.
 */
export class NoValue extends Error {
  constructor(fn: string, why: string) {
    super(`${fn}: ${why}`);
    this.name = 'NoValue';
  }
}

/** What a CEL value is, in the words of the messages. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  if (typeof v === 'bigint') return 'an int';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a bool';
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Date) return 'a timestamp';
  if (v instanceof Uint8Array) return 'bytes';
  return 'a map';
}

/** The argument as text; null and other kinds give no value. */
export function text(fn: string, v: unknown): string {
  if (typeof v === 'string') return v;
  throw new NoValue(fn, v === null || v === undefined ? 'the value is null' : `expected text, got ${describeValue(v)}`);
}

/** A JSON number, a CEL int or a double; null and other kinds give no value. */
export function numeric(fn: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new NoValue(fn, v === null || v === undefined ? 'the value is null' : `expected a number, got ${describeValue(v)}`);
}

/** One function of the library: its CEL overloads and how the docs show it. */
export interface LibraryFunction {
  name: string;
  /** CEL signature → handler. Parameters are dyn: event fields are untyped, so types are checked when called. */
  overloads: ReadonlyArray<readonly [signature: string, handler: (...args: never[]) => unknown]>;
  usage: string;
  description: string;
  example: string;
}
