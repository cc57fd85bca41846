import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../kube/index.ts';
import { availableCondition, deployedSummary, rolloutOf } from './rollout.ts';

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
