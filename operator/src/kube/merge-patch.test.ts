import { describe, expect, it } from 'vitest';
import { jsonEqual, mergePatch } from './merge-patch.ts';

describe('mergePatch', () => {
  it.each<[string, unknown, unknown, unknown]>([
    ['no change', { a: 1, b: { c: 2 } }, { a: 1, b: { c: 2 } }, undefined],
    ['changed scalar', { a: 1 }, { a: 2 }, { a: 2 }],
    ['added member', {}, { a: { b: 1 } }, { a: { b: 1 } }],
    ['removed member becomes null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    ['removed deep member', { e: { t: 'x', id: 'm1' } }, { e: { t: 'x' } }, { e: { id: null } }],
    ['arrays are replaced whole', { l: [1, 2, 3] }, { l: [1, 2] }, { l: [1, 2] }],
    ['equal arrays are left alone', { l: [{ a: 1 }] }, { l: [{ a: 1 }] }, undefined],
    ['object replaced by scalar', { a: { b: 1 } }, { a: 3 }, { a: 3 }],
    ['undefined counts as absent', { a: 1 }, { a: 1, b: undefined }, undefined],
  ])('%s', (_what, from, to, want) => {
    expect(mergePatch(from, to)).toEqual(want);
  });

  it.each<[unknown, unknown, boolean]>([
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [[1, { x: 'y' }], [1, { x: 'y' }], true],
    [[1, 2], [2, 1], false],
    [{ a: null }, {}, false],
    [1, '1', false],
  ])('jsonEqual(%o, %o) is %s', (a, b, want) => {
    expect(jsonEqual(a, b)).toBe(want);
  });
});
