import { describe, expect, it } from 'vitest';
import { MAX_PLACEHOLDERS, MAX_VALUE_LENGTH, compileTemplate, formatValue, lookup } from './template.ts';

const event = {
  type: 'track',
  event: 'Order Completed',
  userId: 'u-1',
  anonymousId: null,
  properties: { revenue: 42.5, paid: true, count: 0, empty: '', items: [{ sku: 'A-1' }, { sku: 'B-2' }], tags: ['x', 'y'], note: '<b> & co' },
};

describe('compileTemplate', () => {
  it.each([
    ['plain text', 'hello', 'hello'],
    ['a field', '{{event}}', 'Order Completed'],
    ['spaces inside braces', '{{ event }}!', 'Order Completed!'],
    ['a nested number', 'Revenue: {{properties.revenue}}', 'Revenue: 42.5'],
    ['zero and false are values', '{{properties.count}} {{properties.paid}}', '0 true'],
    ['an array item by index', '{{properties.items.1.sku}}', 'B-2'],
    ['an object as JSON', '{{properties.items.0}}', '{"sku":"A-1"}'],
    ['a list as JSON', '{{properties.tags}}', '["x","y"]'],
    ['a missing field writes nothing', '[{{properties.nope}}]', '[]'],
    ['the first alternative with a value', '{{anonymousId | userId}}', 'u-1'],
    ['empty text counts as no value', '{{properties.empty | "n/a"}}', 'n/a'],
    ['quoted fallback', '{{properties.nope | "someone"}}', 'someone'],
    ['quoted text with escapes', '{{"say \\"hi\\""}}', 'say "hi"'],
    ['literal braces', '{{"{{"}}event}}', '{{event}}'],
    ['a lone closing pair is text', 'a }} b', 'a }} b'],
    ['no prototype access', '{{constructor}}{{properties.__proto__}}{{event.length}}', ''],
  ])('%s', (_, source, expected) => {
    expect(compileTemplate(source)(event)).toBe(expected);
  });

  it('escapes values from the event and leaves the template text alone', () => {
    const render = compileTemplate('<https://x.example.com|{{properties.note}}> {{"<&>"}}');
    expect(render(event, (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'))).toBe('<https://x.example.com|&lt;b&gt; &amp; co> <&>');
  });

  it.each([
    ['{{event', '"{{" is never closed by "}}" at column 1'],
    ['ok {{ event | ', '"{{" is never closed by "}}" at column 4'],
    ['{{}}', 'expected a field path or "quoted text", found "}}" at column 3'],
    ['{{event name}}', 'expected "|" or "}}", found "n" at column 9'],
    ['{{a..b}}', '"a..b" is not a dotted path such as properties.revenue at column 3'],
    ['{{"open}}', 'quoted text is never closed at column 3'],
    ['{{"bad \\q"}}', 'quoted text has an invalid escape at column 3'],
    [`{{${Array(17).fill('a').join('.')}}}`, 'is deeper than 16 fields at column 3'],
    ['x'.repeat(4001), 'the template is 4001 characters long; at most 4000 are allowed'],
    ['{{a}}'.repeat(MAX_PLACEHOLDERS + 1), `more than ${MAX_PLACEHOLDERS} placeholders at column 501`],
  ])('refuses %j', (source, message) => {
    expect(() => compileTemplate(source)).toThrow(message);
  });
});

describe('lookup', () => {
  it.each([
    [['properties', 'items', '0', 'sku'], 'A-1'],
    [['properties', 'items', 'x'], undefined],
    [['properties', 'revenue', 'toFixed'], undefined],
    [['nope', 'deeper'], undefined],
    [['properties', 'hasOwnProperty'], undefined],
  ])('%j', (path, expected) => {
    expect(lookup(event, path)).toBe(expected);
  });
});

describe('formatValue', () => {
  it.each([
    ['null', null, ''],
    ['undefined', undefined, ''],
    ['NaN', Number.NaN, ''],
    ['a bigint', 12n, '12'],
    ['a large number', 1e21, '1e+21'],
    ['an object', { a: [1] }, '{"a":[1]}'],
    ['an object holding a bigint', { a: 1n }, ''],
  ])('%s', (_, v, expected) => {
    expect(formatValue(v)).toBe(expected);
  });

  it('bounds long values', () => {
    const s = formatValue('z'.repeat(MAX_VALUE_LENGTH + 50));
    expect(s).toHaveLength(MAX_VALUE_LENGTH);
    expect(s.endsWith('…')).toBe(true);
  });
});
