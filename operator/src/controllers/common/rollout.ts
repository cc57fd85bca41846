import { progressing, ready, type ConditionInput, type Deployment, type Summary } from '../../kube/index.ts';

export interface Rollout {
  /** The Deployment controller has seen the latest spec. */
  observed: boolean;
  readyReplicas: number;
  replicas: number;
}

/**
 * Whether a Deployment changed in a way its owner's reconcile reads: generation and replicas,
 * rollout progress (observedGeneration, readyReplicas), the metadata the operator sets, or
 * deletion. The Deployment controller's other status churn (updated and available counts,
 * condition times) wakes no one: it was most of the reconciles under load.
 */
export function rolloutChanged(old: Deployment, obj: Deployment): boolean {
  const a = old.metadata;
  const b = obj.metadata;
  return (
    a.uid !== b.uid ||
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    old.spec?.replicas !== obj.spec?.replicas ||
    old.status?.observedGeneration !== obj.status?.observedGeneration ||
    old.status?.readyReplicas !== obj.status?.readyReplicas ||
    !sameJson(a.annotations, b.annotations) ||
    !sameJson(a.labels, b.labels) ||
    !sameJson(a.ownerReferences, b.ownerReferences)
  );
}

const sameJson = (x: unknown, y: unknown): boolean => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);

export function rolloutOf(d: Deployment | undefined): Rollout | undefined {
  if (!d) return undefined;
  return {
    observed: (d.status?.observedGeneration ?? 0) >= (d.metadata.generation ?? 1),
    readyReplicas: d.status?.readyReplicas ?? 0,
    replicas: d.spec?.replicas ?? 1,
  };
}

/**
 * Ready once every child is applied and the Deployment controller has taken up the latest
 * pod template: the resource is then what its spec says, and pods roll in on their own.
 * Whether the pods are up is the Available condition and readyReplicas.
 */
export function deployedSummary(what: string, deployment: string, r: Rollout): Summary {
  if (!r.observed) return progressing('Deploying', `waiting for the Deployment controller to take up ${deployment}`);
  return ready('Deployed', `${what}: ${r.readyReplicas}/${r.replicas} pod${r.replicas === 1 ? '' : 's'} ready`);
}

export function availableCondition(deployment: string, r: Rollout | undefined): ConditionInput {
  if (!r) return { type: 'Available', status: 'False', reason: 'NotDeployed', message: `Deployment ${deployment} does not exist yet` };
  if (r.replicas === 0) return { type: 'Available', status: 'True', reason: 'ScaledToZero', message: 'replicas is 0: no pods run' };
  const ok = r.readyReplicas >= r.replicas;
  return {
    type: 'Available',
    status: ok ? 'True' : 'False',
    reason: ok ? 'PodsReady' : 'PodsNotReady',
    message: `${r.readyReplicas}/${r.replicas} pods of Deployment ${deployment} ready`,
  };
}
