import { describe, expect, it } from 'vitest';
import { scanJson } from './scan.ts';

const scan = (text: string, depth = 64) => scanJson(Buffer.from(text), depth);

describe('scanJson', () => {
  it('measures each batch item as sent, by position', () => {
    const a = '{"type":"track","event":"A"}';
    const b = '{"type":"identify","traits":{"x":[1,2,{"y":"}"}]}}';
    const out = scan(`{"writeKey":"k","batch":[${a}, ${b},3,"s",[1]],"sentAt":"now"}`);
    expect(out).toEqual({ tooDeep: false, itemBytes: [a.length, b.length, 0, 0, 3] });
  });

  it('counts bytes, not characters', () => {
    const item = '{"event":"café ☕"}';
    expect(scan(`{"batch":[${item}]}`).itemBytes).toEqual([Buffer.byteLength(item)]);
  });

  it('is not fooled by brackets, quotes and "batch" inside strings', () => {
    const item = '{"event":"a\\\\","p":"\\"]}{[","batch":[1]}';
    const out = scan(`{"note":"\\"batch\\":[{}]","batch":[${item}]}`);
    expect(out.itemBytes).toEqual([item.length]);
  });

  it('ignores a batch key below the top level', () => {
    expect(scan('{"context":{"batch":[{"a":1}]}}').itemBytes).toBeUndefined();
  });

  it('gives an empty list for an empty batch and undefined without one', () => {
    expect(scan('{"batch":[]}').itemBytes).toEqual([]);
    expect(scan('{"event":"x"}').itemBytes).toBeUndefined();
  });

  it('stops at the depth limit', () => {
    expect(scan(`${'['.repeat(64)}${']'.repeat(64)}`).tooDeep).toBe(false);
    expect(scan(`${'['.repeat(65)}${']'.repeat(65)}`).tooDeep).toBe(true);
    expect(scan(`{"a":${'{"b":'.repeat(10)}1${'}'.repeat(10)}}`, 10).tooDeep).toBe(true);
    expect(scan('{"a":"[[[[[[[[[[[[[[[["}', 3).tooDeep).toBe(false);
  });

  it('survives unterminated strings and stray closers', () => {
    expect(scan('{"batch":[{"a":"unterminated').tooDeep).toBe(false);
    expect(scan(']]]}}}{"batch":[{}]}').tooDeep).toBe(false);
  });
});
