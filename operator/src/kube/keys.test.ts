import { describe, expect, it } from 'vitest';
import { controllerOf, keyOf, ownerKeys, splitKey } from './keys.ts';
import type { KubeObject } from './types.ts';

const obj = (namespace: string | undefined, refs: KubeObject['metadata']['ownerReferences'] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'child', namespace, ownerReferences: refs },
});

describe('keys', () => {
  it.each([
    ['ns', 'ns/child'],
    [undefined, 'child'],
  ])('keyOf in namespace %s is %s and splits back', (ns, key) => {
    expect(keyOf(obj(ns))).toBe(key);
    expect(splitKey(key)).toEqual({ namespace: ns, name: 'child' });
  });

  const owner = { apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', name: 'web', uid: 'u1', controller: true };
  it.each([
    ['the controlling Source', [owner], ['ns/web']],
    ['a non-controlling reference is ignored', [{ ...owner, controller: false }], []],
    ['another group is ignored', [{ ...owner, apiVersion: 'other.dev/v1' }], []],
    ['another kind is ignored', [{ ...owner, kind: 'Destination' }], []],
    ['no owners', [], []],
  ])('ownerKeys: %s', (_what, refs, want) => {
    expect(ownerKeys('Source', 'sluice.dev')(obj('ns', refs))).toEqual(want);
  });

  it('controllerOf matches the core group by an empty string', () => {
    const child = obj('ns', [{ apiVersion: 'v1', kind: 'Service', name: 's', uid: 'u', controller: true }]);
    expect(controllerOf(child, 'Service', '')?.name).toBe('s');
  });
});
