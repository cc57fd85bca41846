import { describe, expect, it } from 'vitest';
import { finalizerPatch, hasFinalizer } from './finalizers.ts';
import type { KubeObject } from './types.ts';

const F = 'sluice.dev/streams';
const obj = (finalizers?: string[], rv = '7'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: rv, finalizers } });
const guard = { op: 'replace', path: '/metadata/resourceVersion', value: '7' };

describe('finalizerPatch', () => {
  it.each<[string, string[] | undefined, 'add' | 'remove', unknown]>([
    ['add to none', undefined, 'add', [guard, { op: 'add', path: '/metadata/finalizers', value: [F] }]],
    ['add to others', ['x.io/y'], 'add', [guard, { op: 'add', path: '/metadata/finalizers/-', value: F }]],
    ['add when present', [F], 'add', undefined],
    ['remove at its index', ['x.io/y', F], 'remove', [guard, { op: 'test', path: '/metadata/finalizers/1', value: F }, { op: 'remove', path: '/metadata/finalizers/1' }]],
    ['remove when absent', ['x.io/y'], 'remove', undefined],
    ['remove from none', undefined, 'remove', undefined],
  ])('%s', (_what, finalizers, op, want) => {
    expect(finalizerPatch(obj(finalizers), F, op)).toEqual(want);
  });

  it('needs a resourceVersion to guard with', () => {
    expect(() => finalizerPatch(obj(undefined, ''), F, 'add')).toThrow(/changing finalizers of ConfigMap a: the object has no resourceVersion/);
  });

  it('hasFinalizer', () => {
    expect(hasFinalizer(obj([F]), F)).toBe(true);
    expect(hasFinalizer(obj(), F)).toBe(false);
  });
});
