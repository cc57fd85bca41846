import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../kube/index.ts';
import { availableCondition, deployedSummary, rolloutChanged, rolloutOf } from './rollout.ts';

const deployment = (generation: number, observed: number | undefined, replicas: number, ready?: number): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web-ingest', generation },
  spec: { replicas, selector: {}, template: {} },
  ...(observed !== undefined ? { status: { observedGeneration: observed, ...(ready !== undefined ? { readyReplicas: ready } : {}) } } : {}),
});

describe('rollout', () => {
  it.each([
    ['not yet seen by the Deployment controller', deployment(2, 1, 2, 2), 'progressing', 'Deploying', 'True', 'PodsReady'],
    ['new, no status yet', deployment(1, undefined, 2), 'progressing', 'Deploying', 'False', 'PodsNotReady'],
    ['taken up, pods starting', deployment(2, 2, 2, 1), 'ready', 'Deployed', 'False', 'PodsNotReady'],
    ['taken up, all pods ready', deployment(2, 2, 2, 2), 'ready', 'Deployed', 'True', 'PodsReady'],
    ['scaled to zero', deployment(1, 1, 0), 'ready', 'Deployed', 'True', 'ScaledToZero'],
  ])('%s', (_what, d, state, reason, available, availableReason) => {
    const r = rolloutOf(d)!;
    expect(deployedSummary('ingest', 'web-ingest', r)).toMatchObject({ state, reason });
    expect(availableCondition('web-ingest', r)).toMatchObject({ type: 'Available', status: available, reason: availableReason });
  });

  it('is not available before the Deployment exists', () => {
    expect(rolloutOf(undefined)).toBeUndefined();
    expect(availableCondition('web-ingest', undefined)).toMatchObject({ status: 'False', reason: 'NotDeployed' });
  });
});

describe('rolloutChanged', () => {
  const base = deployment(2, 2, 2, 0);
  const withStatus = (status: NonNullable<Deployment['status']>): Deployment => ({ ...base, status: { ...base.status, ...status } });
  const withMeta = (m: Partial<Deployment['metadata']>): Deployment => ({ ...base, metadata: { ...base.metadata, ...m } });
  it.each<[string, Deployment, boolean]>([
    ['the same object', base, false],
    ['available and updated counts, condition times', withStatus({ updatedReplicas: 2, unavailableReplicas: 2, conditions: [{ type: 'Progressing', status: 'True', lastUpdateTime: 't' }] }), false],
    ['observedGeneration', withStatus({ observedGeneration: 3 }), true],
    ['readyReplicas', withStatus({ readyReplicas: 1 }), true],
    ['generation', withMeta({ generation: 3 }), true],
    ['spec.replicas', { ...base, spec: { ...base.spec!, replicas: 3 } }, true],
    ['the applied digest', withMeta({ annotations: { 'sluice.dev/applied-digest': 'x' } }), true],
    ['labels', withMeta({ labels: { a: 'b' } }), true],
    ['owner', withMeta({ ownerReferences: [{ apiVersion: 'v1', kind: 'Source', name: 'x', uid: 'u' }] }), true],
    ['deletion', withMeta({ deletionTimestamp: '2026-01-01T00:00:00Z' }), true],
    ['recreated under the same name', withMeta({ uid: 'other' }), true],
  ])('%s: %s', (_what, next, want) => {
    expect(rolloutChanged(base, next)).toBe(want);
  });
});
