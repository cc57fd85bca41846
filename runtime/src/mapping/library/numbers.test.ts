import { describe, expect, it } from 'vitest';
import { event, NONE, valueOf } from '../testing.ts';

const e = event({ properties: { price: '12.50', spaced: ' 7 ', revenue: 10.5, qty: 2, word: 'ten', nothing: null, yes: true } });

describe('number parsing', () => {
  it.each<[string, unknown]>([
    ['toNumber(properties.price)', 12.5],
    ['toNumber(properties.spaced)', 7],
    ['toNumber(properties.revenue)', 10.5],
    ['toNumber("1e3")', 1000],
    ['toNumber("-.5")', -0.5],
    ['toNumber(3)', 3],
    ['toNumber(properties.price) * 2', 25],
    ['toNumber(properties.word)', NONE],
    ['toNumber("12,50")', NONE],
    ['toNumber("0x1F")', NONE],
    ['toNumber("")', NONE],
    ['toNumber("1e999")', NONE],
    ['toNumber(properties.nothing)', NONE],
    ['toNumber(properties.missing)', NONE],
    ['toNumber(properties.yes)', NONE],
    // CEL's own conversions parse text too, and a failure is no value as well.
    ['int("12")', 12],
    ['int(properties.revenue)', 10],
    ['int(properties.word)', NONE],
    ['int(properties.nothing)', NONE],
    ['double("1.5")', 1.5],
    ['double(properties.qty)', 2],
    ['double(properties.word)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });
});

describe('round', () => {
  it.each<[string, unknown]>([
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(properties.revenue)', 11],
    ['round(1.005, 2)', 1.01],
    ['round(properties.revenue * 1.2, 2)', 12.6],
    ['round(1234.5678, 1)', 1234.6],
    ['round(1e-7, 2)', 0],
    ['round(5, 2)', 5],
    ['round(1.5, 16)', NONE],
    ['round(1.5, -1)', NONE],
    ['round(properties.price)', NONE],
    ['round(properties.missing, 2)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });
});
