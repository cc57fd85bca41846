import { KubeApiError, type Deployment, type Logger, type ResourceClient } from '../kube/index.ts';

/** The workload of a deleted resource is still stopping; retried, not terminal. */
export class PodsStoppingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PodsStoppingError';
  }
}

/**
 * Before a Destination's consumers are removed, its delivery pods must be gone: a pod
 * still running re-subscribes when its consumer disappears, creating it again, and nothing
 * would remove it after the finalizer is released. Deletes the Deployment in the
 * foreground (it stays until its pods are gone) and throws until it has disappeared.
 */
export async function stopWorkloadFirst(deployments: ResourceClient<Deployment>, current: Deployment | undefined, log?: Logger): Promise<void> {
  if (!current) return;
  const name = current.metadata.name;
  if (!current.metadata.deletionTimestamp) {
    try {
      await deployments.delete(name, current.metadata.namespace, { propagationPolicy: 'Foreground', ...(current.metadata.uid ? { preconditions: { uid: current.metadata.uid } } : {}) });
    } catch (err) {
      // Without the right to delete Deployments, waiting would hold the finalizer forever.
      if (!(err instanceof KubeApiError && err.status === 403)) throw err;
      log?.warn('cannot delete Deployments (RBAC); removing the bus consumers while delivery pods may still run', { deployment: name });
      return;
    }
  }
  throw new PodsStoppingError(`removing the bus consumers: waiting for Deployment ${name} to stop its pods first`);
}
