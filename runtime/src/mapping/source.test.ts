import { describe, expect, it } from 'vitest';
import { TYPE_ALIAS, aliasTypeIdentifier } from './source.ts';

describe('aliasTypeIdentifier', () => {
  const A = TYPE_ALIAS;
  it.each([
    ['type == "track"', `${A} == "track"`],
    ['type=="track"&&event=="x"', `${A}=="track"&&event=="x"`],
    ['!(type in ["page", "screen"])', `!(${A} in ["page", "screen"])`],
    ['"type" == type', `"type" == ${A}`],
    ["'type' + type", `'type' + ${A}`],
    ['r"type\\" + type', `r"type\\" + ${A}`],
    ['"a \\" type" == type', `"a \\" type" == ${A}`],
    ['"""type\ntype""" == type', `"""type\ntype""" == ${A}`],
    ['b"type" == bytes(type)', `b"type" == bytes(${A})`],
    ['properties.type == "x"', 'properties.type == "x"'],
    ['properties . type == "x"', 'properties . type == "x"'],
    ['properties.?type.orValue("")', 'properties.?type.orValue("")'],
    ['type(event) == string', 'type(event) == string'],
    ['type (event) == string', 'type (event) == string'],
    ['types == 1 || mytype == 2 || type_ == 3', 'types == 1 || mytype == 2 || type_ == 3'],
    ['type == "x" // type is the call type\n&& true', `${A} == "x" // type is the call type\n&& true`],
    ['1e3 > 2 && type == "x"', `1e3 > 2 && ${A} == "x"`],
    ['event == "no type here"', 'event == "no type here"'],
  ])('%j', (input, expected) => {
    const out = aliasTypeIdentifier(input);
    expect(out).toBe(expected);
    expect(out.length).toBe(input.length);
  });
});
