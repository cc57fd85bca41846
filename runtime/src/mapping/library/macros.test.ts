import { describe, expect, it } from 'vitest';
import { compileFilter } from '../cel.ts';
import { event, NONE, reasonOf, valueOf } from '../testing.ts';

const e = event({
  userId: null,
  anonymousId: 'anon-1',
  properties: { currency: '', revenue: 0, tags: [], meta: {}, nothing: null, items: [{ sku: 'a' }, { price: 2 }] },
  context: { traits: { email: 'ada@example.com' } },
  traits: {},
});

describe('coalesce', () => {
  it.each<[string, unknown]>([
    ['coalesce(userId, anonymousId)', 'anon-1'],
    ['coalesce(context.traits.email, traits.email)', 'ada@example.com'],
    ['coalesce(traits.email, context.traits.email)', 'ada@example.com'],
    // Missing nested maps and errors move on to the next argument.
    ['coalesce(context.nothing.deep.email, context.traits.email)', 'ada@example.com'],
    ['coalesce(lower(properties.nothing), "x")', 'x'],
    ['coalesce(properties.currency, "USD")', 'USD'],
    ['coalesce(properties.tags, ["none"])', ['none']],
    ['coalesce(properties.meta, {"a": 1})', { a: 1 }],
    ['coalesce(properties.?currency, "EUR")', 'EUR'],
    ['coalesce(properties.?absent, "EUR")', 'EUR'],
    // 0 and false are values.
    ['coalesce(properties.revenue, 5)', 0],
    ['coalesce(false, true)', false],
    ['coalesce(properties.a, properties.b, properties.c, properties.d, properties.e, properties.f, properties.g, 8)', 8],
    ['coalesce(properties.a, properties.b)', NONE],
    ['coalesce(properties.nothing, properties.currency)', NONE],
    ['properties.items.map(i, coalesce(i.sku, "none"))', ['a', 'none']],
    ['coalesce(properties.a, 1) + 1', 2],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });

  it('says when no argument has a value', () => {
    expect(reasonOf('coalesce(properties.a, properties.b)', e)).toBe('coalesce: no argument has a value');
  });
});

describe('default', () => {
  it.each<[string, unknown]>([
    ['default(properties.absent, "USD")', 'USD'],
    ['default(properties.nothing, "USD")', 'USD'],
    ['default(context.nothing.deep, 1)', 1],
    ['default(properties.currency, "USD")', ''],
    ['default(properties.revenue, 1)', 0],
    ['default(e164(context.traits.email, "US"), "none")', 'none'],
    ['default(properties.absent, properties.absent2)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });
});

describe('has', () => {
  it.each<[string, boolean]>([
    ['has(context.traits.email)', true],
    ['has(context.traits.phone)', false],
    ['has(context.nothing.email)', false],
    ['has(context.a.b.c.d)', false],
    ['!has(context.nothing.email)', true],
    ['has(properties.nothing)', true],
    ['has(properties.revenue) && properties.revenue == 0', true],
    ['has(context.traits)', true],
    ['has(traits.email)', false],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toBe(expected);
    expect(compileFilter(expr)(e)).toBe(expected);
  });
});
