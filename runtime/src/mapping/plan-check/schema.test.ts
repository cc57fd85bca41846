import { describe, expect, it } from 'vitest';
import { admits, lookup } from './schema.ts';

const order = {
  type: 'object',
  properties: {
    revenue: { type: 'number' },
    qty: { type: 'integer' },
    currency: { type: 'string', enum: ['USD', 'EUR'] },
    address: { type: 'object', properties: { city: { type: 'string' } } },
    meta: { type: 'object' },
    items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
    tags: { type: ['string', 'null'] },
    either: { anyOf: [{ type: 'string' }, { type: 'number' }] },
  },
  patternProperties: { '^x_': { type: 'string' } },
};

describe('lookup', () => {
  it.each<[unknown, Array<string | number>, string]>([
    [order, ['revenue'], 'defined'],
    [order, ['revenu'], 'undefined@0'],
    [order, ['address', 'city'], 'defined'],
    [order, ['address', 'zip'], 'undefined@1'],
    [order, ['meta', 'anything'], 'unknown'],
    [order, ['items', 0, 'sku'], 'defined'],
    [order, ['items', 0, 'price'], 'undefined@2'],
    [order, ['x_custom'], 'defined'],
    [order, ['revenue', 'cents'], 'undefined@1'],
    [{ type: 'object' }, ['anything'], 'unknown'],
    [{ type: 'object', additionalProperties: { type: 'string' } }, ['anything'], 'unknown'],
    [{ allOf: [{ properties: { a: {} } }, { properties: { b: {} } }] }, ['b'], 'defined'],
    [{ allOf: [{ properties: { a: {} } }, { properties: { b: {} } }] }, ['c'], 'undefined@0'],
    [{ anyOf: [{ properties: { a: {} } }, { type: 'object' }] }, ['c'], 'unknown'],
    [{ $ref: '#/definitions/x' }, ['a'], 'unknown'],
    [{ properties: { a: {} }, if: {}, then: {} }, ['b'], 'unknown'],
    [undefined, ['a'], 'unknown'],
  ])('%j %j', (schema, keys, expected) => {
    const r = lookup(schema, keys);
    expect(r.status === 'undefined' ? `undefined@${r.at}` : r.status).toBe(expected);
  });
});

describe('admits', () => {
  const at = (...keys: string[]) => {
    const r = lookup(order, keys);
    if (r.status !== 'defined') throw new Error(`not defined: ${keys.join('.')}`);
    return r.schemas;
  };
  it.each<[string, 'string' | 'integer' | 'number' | 'boolean', unknown, boolean]>([
    ['revenue', 'integer', 10, true],
    ['revenue', 'number', 10.5, true],
    ['revenue', 'string', '10', false],
    ['revenue', 'boolean', true, false],
    ['qty', 'integer', 2, true],
    ['qty', 'number', 2.0, true],
    ['qty', 'number', 2.5, false],
    ['currency', 'string', 'USD', true],
    ['currency', 'string', 'usd', false],
    ['tags', 'string', 'a', true],
    ['either', 'string', 'a', true],
    ['either', 'number', 1.5, true],
    ['either', 'boolean', true, false],
  ])('%s with %s %j', (key, kind, value, ok) => {
    expect(admits(at(key), kind, value).ok).toBe(ok);
  });

  it('says what is allowed', () => {
    expect(admits(at('revenue'), 'string', '10')).toEqual({ ok: false, allowed: 'number' });
    expect(admits(at('currency'), 'string', 'usd')).toEqual({ ok: false, allowed: 'one of "USD", "EUR"' });
  });
});
