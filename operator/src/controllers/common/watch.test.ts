import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../kube/index.ts';
import { beyondStatus } from './watch.ts';

type Obj = KubeObject & { status?: unknown };

describe('beyondStatus', () => {
  const base: Obj = { apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name: 'web', uid: 'u1', generation: 1, resourceVersion: '10' }, status: { observedGeneration: 1 } };
  const meta = (m: Partial<KubeObject['metadata']>): Obj => ({ ...base, metadata: { ...base.metadata, ...m } });
  it.each<[string, Obj, boolean]>([
    ['a status write (new resourceVersion, same generation)', { ...meta({ resourceVersion: '11' }), status: { observedGeneration: 1, conditions: [] } }, false],
    ['a spec change (generation)', meta({ generation: 2 }), true],
    ['deletion started', meta({ deletionTimestamp: '2026-01-01T00:00:00Z' }), true],
    ['a finalizer added or removed', meta({ finalizers: ['sluice.dev/cleanup'] }), true],
    ['labels', meta({ labels: { team: 'a' } }), true],
    ['annotations', meta({ annotations: { note: 'x' } }), true],
    ['recreated under the same name', meta({ uid: 'u2' }), true],
  ])('%s: %s', (_what, next, want) => {
    expect(beyondStatus(base, next)).toBe(want);
  });
});
