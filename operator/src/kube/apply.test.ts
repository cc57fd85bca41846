import { describe, expect, it } from 'vitest';
import { applyIntent, intentDigest, ownerReference } from './apply.ts';
import type { ConfigMap } from './types.ts';

const owner = { apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name: 'web', namespace: 'ns', uid: 'u-1' } };

describe('apply helpers', () => {
  it('ownerReference makes the owner the blocking controller', () => {
    expect(ownerReference(owner)).toEqual({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', name: 'web', uid: 'u-1', controller: true, blockOwnerDeletion: true });
  });

  it('ownerReference refuses an object never read from the server', () => {
    expect(() => ownerReference({ ...owner, metadata: { name: 'web' } })).toThrow(/building an owner reference to Source web: the object has no uid/);
  });

  const cm: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'c', namespace: 'ns', resourceVersion: '5', uid: 'x', managedFields: [{}], generation: 1, creationTimestamp: 't', labels: { a: 'b' } },
    data: { k: 'v' },
  };

  it('applyIntent keeps the intent and drops server-owned metadata', () => {
    expect(applyIntent(cm)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns', labels: { a: 'b' } }, data: { k: 'v' } });
  });

  it('intentDigest ignores key order and server metadata, and sees real changes', () => {
    const reordered: ConfigMap = { data: { k: 'v' }, metadata: { labels: { a: 'b' }, namespace: 'ns', name: 'c' }, kind: 'ConfigMap', apiVersion: 'v1' };
    expect(intentDigest(reordered)).toBe(intentDigest(cm));
    const changed: ConfigMap = { ...cm, data: { k: 'w' } };
    expect(intentDigest(changed)).not.toBe(intentDigest(cm));
  });
});
