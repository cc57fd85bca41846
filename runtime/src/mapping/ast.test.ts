import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../event.ts';
import { compileProgram, formatPath, quietly } from './cel.ts';
import { event } from './testing.ts';

describe('requiredPaths', () => {
  it.each<[string, string[]]>([
    ['properties.revenue', ['properties.revenue']],
    ['sha256(lower(trim(context.traits.email)))', ['context.traits.email']],
    ['properties.revenue * 100 + properties.tax', ['properties.revenue', 'properties.tax']],
    ['properties["order id"]', ['properties["order id"]']],
    ['properties.items[0].sku', ['properties.items[0].sku']],
    ['properties.items[size(properties.items) - 1]', ['properties.items']],
    ['[properties.a, {"k": properties.b}]', ['properties.a', 'properties.b']],
    ['event == "A" ? properties.a : properties.b', []],
    ['properties.flag ? 1 : 2', ['properties.flag']],
    ['has(properties.a) && properties.a > 1', []],
    ['properties.a > 1 || true', []],
    ['coalesce(properties.a, properties.b)', []],
    ['default(properties.a, 1)', []],
    ['properties.?a.orValue(1)', []],
    ['properties.items.exists(i, i.sku == "x")', ['properties.items']],
    ['properties.a == properties.a', ['properties.a']],
    ['-properties.a', ['properties.a']],
    ['!properties.ok', ['properties.ok']],
    ['type == "track"', []],
    ['event', []],
    ['message.context.ip', ['message.context.ip']],
  ])('%s', (expr, expected) => {
    expect(compileProgram(expr).required.map(formatPath)).toEqual(expected);
  });
});

/** Skipping evaluation must never change an answer: every skip is a case where evaluating fails. */
describe('the missing-field shortcut agrees with evaluation', () => {
  const expressions = [
    'properties.revenue',
    'properties.revenue * 2',
    'context.traits.email',
    'lower(context.traits.email)',
    'properties.items[0].sku',
    'properties.items[1]',
    'properties["order id"]',
    'event.size()',
    'message.properties.revenue > 1',
    'properties.a.b.c',
    '[properties.revenue, 1]',
    'properties.flag ? 1 : 2',
  ];
  const events: SegmentEvent[] = [
    event(),
    event({ properties: {} }),
    event({ properties: { revenue: 10, items: [{ sku: 'x' }], 'order id': 'o', a: { b: { c: 1 } }, flag: true } }),
    event({ properties: { revenue: null, items: [], a: { b: null }, flag: null } }),
    event({ properties: { items: 'not a list', a: 'text' }, context: { traits: null } }),
    event({ context: { traits: { email: 'A@B.C' } } }),
    event({ context: { traits: 'text' } }),
  ];
  for (const expr of expressions) {
    it(expr, () => {
      const p = compileProgram(expr);
      for (const e of events) {
        if (!p.missing(e)) continue;
        let threw = false;
        try {
          quietly(() => p.run(p.bind(e)));
        } catch {
          threw = true;
        }
        expect(threw, `${expr} on ${JSON.stringify(e.properties ?? {})} ${JSON.stringify(e.context ?? {})}`).toBe(true);
      }
    });
  }

  it('skips at least where fields are absent', () => {
    expect(compileProgram('properties.revenue * 2').missing(event())).toBeDefined();
    expect(compileProgram('properties.revenue * 2').missing(event({ properties: { revenue: 1 } }))).toBeUndefined();
  });
});
