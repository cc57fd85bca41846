import { describe, expect, it } from 'vitest';
import { KubeApiError, silentLogger, type Deployment, type DeleteOptions, type ResourceClient } from '../kube/index.ts';
import { PodsStoppingError, stopWorkloadFirst } from './drain.ts';

const deployment = (deleting = false): Deployment =>
  ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'hook-deliver', namespace: 'ns', uid: 'u1', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) } });

function client(fail?: KubeApiError) {
  const deletes: [string, string | undefined, DeleteOptions | undefined][] = [];
  const c = {
    delete(name: string, namespace?: string, opts?: DeleteOptions) {
      deletes.push([name, namespace, opts]);
      return fail ? Promise.reject(fail) : Promise.resolve(true);
    },
  } as unknown as ResourceClient<Deployment>;
  return { c, deletes };
}

describe('stopping a Destination’s delivery pods before its consumers go', () => {
  it('goes on at once when the Deployment is gone', async () => {
    const { c, deletes } = client();
    await expect(stopWorkloadFirst(c, undefined)).resolves.toBeUndefined();
    expect(deletes).toEqual([]);
  });

  it('deletes the Deployment in the foreground, then waits', async () => {
    const { c, deletes } = client();
    await expect(stopWorkloadFirst(c, deployment())).rejects.toBeInstanceOf(PodsStoppingError);
    expect(deletes).toEqual([['hook-deliver', 'ns', { propagationPolicy: 'Foreground', preconditions: { uid: 'u1' } }]]);
  });

  it('only waits while the Deployment is already being deleted', async () => {
    const { c, deletes } = client();
    await expect(stopWorkloadFirst(c, deployment(true))).rejects.toBeInstanceOf(PodsStoppingError);
    expect(deletes).toEqual([]);
  });

  it('goes on, with a warning, without the right to delete Deployments', async () => {
    const { c } = client(new KubeApiError('forbidden', 403, 'Forbidden'));
    const warnings: string[] = [];
    await expect(stopWorkloadFirst(c, deployment(), { ...silentLogger, warn: (m: string) => warnings.push(m) })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('retries on any other failure', async () => {
    const { c } = client(new KubeApiError('unavailable', 503, 'ServiceUnavailable'));
    await expect(stopWorkloadFirst(c, deployment())).rejects.toBeInstanceOf(KubeApiError);
  });
});
