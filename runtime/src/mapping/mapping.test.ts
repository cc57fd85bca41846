import { describe, expect, it } from 'vitest';
import { compileMapping, effectiveMapping, MappingCompileError } from './mapping.ts';
import { event } from './testing.ts';

const order = event({
  type: 'track',
  event: 'Order Completed',
  timestamp: '2024-05-01T10:00:00.000Z',
  properties: { revenue: 42.5, currency: 'EUR', order_id: 'o-1' },
  context: { traits: { email: ' Ada@Example.COM ', phone: '(415) 555-2671' } },
});

describe('compileMapping', () => {
  it('maps the Meta example: renamed events, hashed normalised identifiers, Unix time, nested output', () => {
    const map = compileMapping({
      event_name: 'event == "Order Completed" ? "Purchase" : "InitiateCheckout"',
      event_time: 'unixSeconds(timestamp)',
      'user_data.em': 'sha256(lower(trim(context.traits.email)))',
      'user_data.ph': 'sha256(e164(context.traits.phone, "US"))',
      'custom_data.value': 'properties.revenue',
      'custom_data.currency': 'properties.currency',
    });
    expect(map(order).payload).toEqual({
      event_name: 'Purchase',
      event_time: 1714557600,
      user_data: {
        em: 'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72',
        ph: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
      },
      custom_data: { value: 42.5, currency: 'EUR' },
    });
  });

  it('omits fields that yield nothing: missing, null, no value, errors', () => {
    const map = compileMapping({
      a: 'properties.missing',
      b: 'null',
      c: 'e164("12", "US")',
      d: 'properties.revenue / 0 == 1 ? 1 : int("x")',
      'e.f': 'properties.missing.deeper',
      kept: 'properties.order_id',
    });
    expect(map(order).payload).toEqual({ kept: 'o-1' });
  });

  it('writes deeper keys into the object a shallower key made, whatever the order written', () => {
    const map = compileMapping({ 'custom_data.value': 'properties.revenue * 2', custom_data: 'properties', 'x.y': '1', x: '"scalar"' });
    expect(map(order).payload).toEqual({ custom_data: { revenue: 42.5, currency: 'EUR', order_id: 'o-1', value: 85 }, x: { y: 1 } });
  });

  it('never writes into the event it reads', () => {
    const map = compileMapping({ props: 'properties', 'props.extra': '1' });
    map(order);
    expect(order.properties).toEqual({ revenue: 42.5, currency: 'EUR', order_id: 'o-1' });
  });

  it('explains each field: its value or why it is omitted', () => {
    const map = compileMapping({ email: 'sha256(context.traits.missing)', phone: 'e164(context.traits.phone, "XX")', value: 'properties.revenue' });
    const r = map.explain(order);
    expect(r.payload).toEqual({ value: 42.5 });
    expect(r.fields).toEqual([
      { key: 'email', expression: 'sha256(context.traits.missing)', omitted: 'context.traits.missing is missing' },
      { key: 'phone', expression: 'e164(context.traits.phone, "XX")', omitted: expect.stringContaining('unknown region "XX"') as unknown },
      { key: 'value', expression: 'properties.revenue', value: 42.5 },
    ]);
  });

  it('reports every field that does not compile with the key, the expression and a caret', () => {
    let err: unknown;
    try {
      compileMapping({ ok: 'event', 'user_data.em': 'sha256(trait.email)', bad: 'event ==' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MappingCompileError);
    const problems = (err as MappingCompileError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^mapping\["user_data\.em"\]: compiling CEL expression: Unknown variable: trait at column 8\n {2}sha256\(trait\.email\)\n {9}\^$/);
    expect(problems[1]).toContain('mapping["bad"]: compiling CEL expression');
  });

  it.each([['a..b'], ['.a'], ['a b'], ['__proto__.x'], ['x'.repeat(300)]])('refuses the output key %s', (key) => {
    expect(() => compileMapping({ [key]: '1' })).toThrow(MappingCompileError);
  });

  it('compiles once per content', () => {
    const a = compileMapping({ x: 'event', y: '1' });
    expect(compileMapping({ x: 'event', y: '1' })).toBe(a);
    expect(compileMapping({ y: '1', x: 'event' })).not.toBe(a);
    expect(a.digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('effectiveMapping', () => {
  const defaults = { event_name: 'event', 'user_data.em': 'sha256(traits.email)', 'user_data.ph': 'traits.phone', time: 'timestamp' };
  it.each<[string, Record<string, string> | undefined, Record<string, string> | undefined, Record<string, string> | undefined]>([
    ['neither', undefined, undefined, undefined],
    ['only the spec', { a: '1' }, undefined, { a: '1' }],
    ['only defaults', undefined, defaults, defaults],
    ['an empty spec keeps the defaults', {}, defaults, defaults],
    ['a key replaces its default', { event_name: '"Purchase"' }, defaults, { ...defaults, event_name: '"Purchase"' }],
    ['a parent key replaces the defaults beneath it', { user_data: '{}' }, defaults, { event_name: 'event', time: 'timestamp', user_data: '{}' }],
    ['a deeper key leaves its parent default', { 'time.zone': '"UTC"' }, defaults, { ...defaults, 'time.zone': '"UTC"' }],
    ['null removes a default field (the expression yields nothing)', { time: 'null' }, defaults, { ...defaults, time: 'null' }],
  ])('%s', (_name, spec, defs, expected) => {
    expect(effectiveMapping(spec, defs)).toEqual(expected);
  });

  it('keeps the defaults in their order, an overridden key in its place, new keys last', () => {
    expect(Object.keys(effectiveMapping({ extra: '1', 'user_data.em': '"x"' }, defaults)!)).toEqual(['event_name', 'user_data.em', 'user_data.ph', 'time', 'extra']);
  });
});
