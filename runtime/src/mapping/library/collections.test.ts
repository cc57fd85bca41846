import { describe, expect, it } from 'vitest';
import { event, NONE, valueOf } from '../testing.ts';

const e = event({
  properties: { order_id: 'o-1', revenue: 10, email: 'a@b.c', nothing: null },
  context: { traits: JSON.parse('{"name":"Ada","__proto__":{"polluted":true}}') as Record<string, unknown> },
});

describe('map functions', () => {
  it.each<[string, unknown]>([
    ['pick(properties, ["order_id", "revenue", "absent"])', { order_id: 'o-1', revenue: 10 }],
    ['omit(properties, ["email", "nothing"])', { order_id: 'o-1', revenue: 10 }],
    ['merge(pick(properties, ["revenue"]), {"source": "web", "revenue": 11})', { revenue: 11, source: 'web' }],
    ['pick({}, ["a"])', {}],
    ['pick(properties.nothing, ["a"])', NONE],
    ['pick(properties, "order_id")', NONE],
    ['omit(properties.missing, ["a"])', NONE],
    ['merge(properties, 1)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });

  it('keeps a "__proto__" key from event data as a key', () => {
    const picked = valueOf('omit(context.traits, ["name"])', e) as Record<string, unknown>;
    expect(Object.getPrototypeOf(picked)).toBe(Object.prototype);
    expect(Object.keys(picked)).toEqual(['__proto__']);
    const copied = valueOf('context.traits', e) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied)).toEqual(['name', '__proto__']);
  });
});
