import { describe, expect, it } from 'vitest';
import type { JSONSchemaProps } from '../../../../operator/src/api/crd.ts';
import { allCrds } from '../../../../operator/src/api/crd.ts';
import { compileRules, kubernetesCelEnvironment, RuleCompileError, toCel, validateRules } from './cel.ts';
import { formatFieldError } from './field-error.ts';

/**
 * The Kubernetes CEL functions Sluice's rules use, with the results the API server's CEL
 * gives for them (cel-go with the Kubernetes libraries).
 */
describe('the Kubernetes CEL environment', () => {
  const env = kubernetesCelEnvironment();
  const run = (expr: string, self: unknown): unknown => env.parse(expr)({ self });

  it.each([
    // matches() is RE2 search semantics: unanchored unless the pattern anchors.
    { expr: "self.matches('b')", self: 'abc', result: true },
    { expr: "self.matches('^b')", self: 'abc', result: false },
    { expr: "self.matches('^[a-z]+$')", self: 'abc\n', result: false },
    { expr: "self.matches('^https?://[^/?#*@ ]+$')", self: 'https://shop.example.com:8443', result: true },
    { expr: "self.matches('^https?://[^/?#*@ ]+$')", self: 'https://shop.example.com/', result: false },
    { expr: "!self.matches('^(0+([.]0+)?(ms|s|m|h))+$')", self: '0h0m', result: false },
    { expr: "!self.matches('^(0+([.]0+)?(ms|s|m|h))+$')", self: '0.5s', result: true },
    { expr: "!self.matches('^[ \\t\\n\\r]|[ \\t\\n\\r]$')", self: 'Order Completed ', result: false },
    { expr: "!self.matches('^[ \\t\\n\\r]|[ \\t\\n\\r]$')", self: 'Order\tCompleted', result: true },
    // size() counts code points, not UTF-16 units or bytes.
    { expr: 'size(self)', self: 'é😀', result: 2n },
    { expr: 'size(self)', self: [1n, 2n, 3n], result: 3n },
    { expr: 'size(self)', self: { a: 1n }, result: 1n },
    // Macros: over lists the elements, over maps the keys.
    { expr: 'self.all(x, x > 0)', self: [1n, 2n], result: true },
    { expr: 'self.exists(x, x > 1)', self: [1n, 2n], result: true },
    { expr: 'self.exists_one(x, x == 1)', self: [1n, 1n], result: false },
    { expr: "self.all(k, k.matches('^[a-z]+$'))", self: { ab: 'x', cd: 'y' }, result: true },
    { expr: "self.all(k, k.matches('^[a-z]+$'))", self: { 'a.b': 'x' }, result: false },
    // duration() parses Go durations, fractions and compound units included.
    { expr: "duration(self) <= duration('5m')", self: '300s', result: true },
    { expr: "duration(self) == duration('90m')", self: '1.5h', result: true },
    { expr: "duration(self) > duration('0s')", self: '1h30m', result: true },
    { expr: "duration('500ms') < duration('1s')", self: null, result: true },
    // has() tests presence; int comparison.
    { expr: 'has(self.a) && !has(self.b)', self: { a: 1n }, result: true },
    { expr: 'self.a <= self.b', self: { a: 32768n, b: 512000n }, result: true },
  ])('$expr with self = $self → $result', ({ expr, self, result }) => {
    expect(run(expr, self)).toEqual(result);
  });

  it('fails on a missing field like cel-go (no such key)', () => {
    expect(() => run('self.missing == 1', {})).toThrow(/no such key/i);
  });

  it('compiles every rule of the generated CRDs', () => {
    const rules = allCrds().flatMap((crd) => JSON.stringify(crd).match(/"rule":"/g) ?? []);
    expect(rules.length).toBeGreaterThan(8);
    for (const crd of allCrds()) expect(() => compileRules(crd.spec.versions[0]!.schema.openAPIV3Schema)).not.toThrow();
  });
});

describe('rule evaluation', () => {
  const schema = (s: JSONSchemaProps): JSONSchemaProps => s;
  const errors = (s: JSONSchemaProps, value: unknown) => validateRules(compileRules(s), value).map(formatFieldError);

  it('reports the message at the node, with the node type as the value', () => {
    const s = schema({
      type: 'object',
      properties: {
        limits: {
          type: 'object',
          properties: { a: { type: 'integer' }, b: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.a <= self.b', message: 'a must not exceed b' }],
        },
      },
    });
    expect(errors(s, { limits: { a: 2, b: 1 } })).toEqual(['limits: Invalid value: "object": a must not exceed b']);
    expect(errors(s, { limits: { a: 1, b: 2 } })).toEqual([]);
  });

  it('walks list items ([i]) and map values ([key])', () => {
    const rule = [{ rule: 'self != "x"', message: 'no x' }];
    const s = schema({
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'string', 'x-kubernetes-validations': rule } },
        map: { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-validations': rule } },
      },
    });
    expect(errors(s, { list: ['a', 'x'], map: { 'k.1': 'x', k2: 'y' } })).toEqual([
      'list[1]: Invalid value: "string": no x',
      'map[k.1]: Invalid value: "string": no x',
    ]);
  });

  it('uses fieldPath, reason and messageExpression; the default message names the rule', () => {
    const s = schema({
      type: 'object',
      properties: { n: { type: 'integer' } },
      'x-kubernetes-validations': [
        { rule: 'self.n > 1', message: 'n must be > 1', fieldPath: '.n' },
        { rule: 'self.n > 2', message: 'unused', messageExpression: "'n is ' + string(self.n)" },
        { rule: 'self.n > 3', message: 'n is required to be > 3', reason: 'FieldValueForbidden' },
        { rule: 'self.n > 4' },
      ],
    });
    expect(errors(s, { n: 1 })).toEqual([
      'n: Invalid value: "object": n must be > 1',
      '<nil>: Invalid value: "object": n is 1',
      '<nil>: Forbidden: n is required to be > 3',
      '<nil>: Invalid value: "object": failed rule: self.n > 4',
    ]);
  });

  it('skips transition rules (oldSelf) on create and does not validate nulls', () => {
    const s = schema({
      type: 'object',
      properties: { v: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == "a"', message: 'must be a' }] } },
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'immutable' }],
    });
    expect(errors(s, { v: null })).toEqual([]);
    expect(errors(s, { v: 'b' })).toEqual(['v: Invalid value: "string": must be a']);
  });

  it('reports an evaluation error with the rule it came from', () => {
    const s = schema({ type: 'object', 'x-kubernetes-validations': [{ rule: 'self.missing == 1', message: 'needs missing' }] });
    const [e] = errors(s, {});
    expect(e).toMatch(/^<nil>: Invalid value: "object": .*no such key.* evaluating rule: needs missing$/i);
  });

  it('refuses a rule that does not parse, naming where it is', () => {
    expect(() => compileRules(schema({ type: 'object', properties: { a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self ==' }] } } }))).toThrow(RuleCompileError);
    expect(() => compileRules(schema({ type: 'object', properties: { a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self ==' }] } } }))).toThrow(/at a "self =="/);
  });

  it('turns integer fields into CEL ints and keeps doubles', () => {
    const s = schema({ type: 'object', properties: { i: { type: 'integer' }, d: { type: 'number' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } });
    expect(toCel({ i: 3, d: 2, free: { whole: 4, half: 0.5 } }, s)).toEqual({ i: 3n, d: 2, free: { whole: 4n, half: 0.5 } });
  });
});
