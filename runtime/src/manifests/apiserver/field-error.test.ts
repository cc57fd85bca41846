import { describe, expect, it } from 'vitest';
import { fieldError, FieldPath, formatFieldError, goNumber, goQuote, goValue } from './field-error.ts';

describe('Go value printing, as field.Error does it', () => {
  it.each([
    { value: 'abc', printed: '"abc"' },
    { value: 'say "hi"\n\ttab\\', printed: '"say \\"hi\\"\\n\\ttab\\\\"' },
    { value: '\x01\x07\x7f', printed: '"\\x01\\a\\x7f"' },
    { value: 'é😀', printed: '"é😀"' },
    { value: 100, printed: '100' },
    { value: -3, printed: '-3' },
    { value: 1.5, printed: '1.5' },
    { value: 1234567.5, printed: '1.2345675e+06' },
    { value: 0.00001, printed: '1e-05' },
    { value: 0.0001, printed: '0.0001' },
    { value: true, printed: 'true' },
    { value: null, printed: '"null"' },
    { value: { name: 'web', port: 80 }, printed: 'map[string]interface {}{"name":"web", "port":80}' },
    { value: { b: 1, a: 2 }, printed: 'map[string]interface {}{"a":2, "b":1}' },
    { value: {}, printed: 'map[string]interface {}{}' },
    { value: ['a', 1], printed: '[]interface {}{"a", 1}' },
  ])('$value → $printed', ({ value, printed }) => {
    expect(goValue(value)).toBe(printed);
  });

  it('prints numbers like %v of int64 and float64', () => {
    expect(goNumber(16777216)).toBe('16777216');
    expect(goNumber(10n)).toBe('10');
    expect(goNumber(123456.5)).toBe('123456.5');
  });

  it('quotes like strconv.Quote', () => {
    expect(goQuote('')).toBe('""');
    expect(goQuote('\r\b\f\v')).toBe('"\\r\\b\\f\\v"');
  });
});

describe('field paths', () => {
  it('prints children dotted, indices and map keys in brackets, the root as <nil>', () => {
    const p = FieldPath.root().child('spec').child('writeKeys').index(0).child('secretRef');
    expect(p.text).toBe('spec.writeKeys[0].secretRef');
    expect(p.segments).toEqual(['spec', 'writeKeys', 0, 'secretRef']);
    expect(FieldPath.root().child('spec').child('mapping').key('user_data.em').text).toBe('spec.mapping[user_data.em]');
    expect(FieldPath.root().toString()).toBe('<nil>');
    expect(FieldPath.of(['spec', 'events', 2, 'name']).text).toBe('spec.events[2].name');
  });
});

describe('field errors', () => {
  const at = FieldPath.root().child('spec').child('x');
  it.each([
    { error: fieldError.required(at), text: 'spec.x: Required value' },
    { error: fieldError.required(at, 'name or generateName is required'), text: 'spec.x: Required value: name or generateName is required' },
    { error: fieldError.invalid(at, 100, 'spec.x in body should be greater than or equal to 256'), text: 'spec.x: Invalid value: 100: spec.x in body should be greater than or equal to 256' },
    { error: fieldError.typeInvalid(at, 'string', 'spec.x in body must be of type integer: "string"'), text: 'spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"' },
    { error: fieldError.notSupported(at, 'sometimes', ['accept', 'reject']), text: 'spec.x: Unsupported value: "sometimes": supported values: "accept", "reject"' },
    { error: fieldError.notSupported(at, 3, [1, 2]), text: 'spec.x: Unsupported value: 3: supported values: "1", "2"' },
    { error: fieldError.duplicate(at.index(1), { name: 'a' }), text: 'spec.x[1]: Duplicate value: map[string]interface {}{"name":"a"}' },
    { error: fieldError.forbidden(at, 'not allowed'), text: 'spec.x: Forbidden: not allowed' },
    { error: fieldError.tooLong(at, 4096), text: 'spec.x: Too long: may not be more than 4096 bytes' },
    { error: fieldError.tooMany(at, 2001, 2000), text: 'spec.x: Too many: 2001: must have at most 2000 items' },
    { error: fieldError.unknown(at), text: 'spec.x: unknown field "spec.x"' },
    { error: fieldError.invalid(FieldPath.root(), null, 'oops'), text: '<nil>: Invalid value: "null": oops' },
  ])('$text', ({ error, text }) => {
    expect(formatFieldError(error)).toBe(text);
  });
});
