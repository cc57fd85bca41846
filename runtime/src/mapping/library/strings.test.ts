import { describe, expect, it } from 'vitest';
import { event, NONE, reasonOf, valueOf } from '../testing.ts';

const e = event({
  properties: { title: 'Héllo 👋 world', tags: ['sale', 2, true, null], sku: 'AB-12-C', empty: '', n: 5, nothing: null, nested: { a: 1 } },
  context: { traits: { email: '  Ada@Example.COM ' } },
});

describe('string functions', () => {
  it.each<[string, unknown]>([
    ['lower("Ada@Example.COM")', 'ada@example.com'],
    ['lower(context.traits.email)', '  ada@example.com '],
    ['upper("usd")', 'USD'],
    ['trim(context.traits.email)', 'Ada@Example.COM'],
    ['lower(trim(context.traits.email))', 'ada@example.com'],
    ['trim("")', ''],
    ['split("a,b,,c", ",")', ['a', 'b', '', 'c']],
    ['split(properties.sku, "-")', ['AB', '12', 'C']],
    ['join(["a", "b"], ", ")', 'a, b'],
    ['join(properties.tags, "|")', 'sale|2|true'],
    ['join([], ",")', ''],
    ['replace(properties.sku, "-", "")', 'AB12C'],
    ['replace("aaa", "", "x")', 'aaa'],
    ['truncate(properties.title, 7)', 'Héllo 👋'],
    ['truncate("abc", 10)', 'abc'],
    ['truncate("abc", 0)', ''],
    // no value: null, missing, wrong kinds
    ['lower(properties.nothing)', NONE],
    ['lower(properties.missing)', NONE],
    ['lower(context.traits.missing.deeper)', NONE],
    ['lower(properties.n)', NONE],
    ['upper(null)', NONE],
    ['trim(properties.nested)', NONE],
    ['split(properties.nothing, ",")', NONE],
    ['join(properties.sku, ",")', NONE],
    ['join([properties.nested], ",")', NONE],
    ['truncate("abc", -1)', NONE],
    ['truncate("abc", 1.5)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });

  it('says why there is no value', () => {
    expect(reasonOf('lower(properties.nothing)', e)).toBe('lower: the value is null');
    expect(reasonOf('lower(properties.n)', e)).toBe('lower: expected text, got a number');
    expect(reasonOf('lower(properties.missing)', e)).toBe('properties.missing is missing');
  });
});

describe('sha256', () => {
  it.each<[string, unknown]>([
    // Known digests: printf 'ada@example.com' | sha256sum
    ['sha256("ada@example.com")', 'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72'],
    ['sha256(lower(trim(context.traits.email)))', 'b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72'],
    ['sha256("abc")', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha256(b"abc")', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha256(properties.empty)', NONE],
    ['sha256(properties.nothing)', NONE],
    ['sha256(context.traits.phone)', NONE],
    ['sha256(properties.n)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });

  it('hashes the UTF-8 bytes of text', () => {
    // printf 'é' | sha256sum
    expect(valueOf('sha256("é")')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
    expect(valueOf('sha256(b"\\xc3\\xa9")')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });

  it('gives no value for empty text, with the reason', () => {
    expect(reasonOf('sha256(properties.empty)', e)).toBe('sha256: the text is empty');
  });
});
