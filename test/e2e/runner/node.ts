// The Node the runner is the kubelet of. It must exist (the Pod garbage collector deletes Pods
// bound to a missing Node, the EndpointSlice controller skips them) and stay Ready (otherwise
// the node lifecycle controller marks its Pods not ready and, after 5 minutes, evicts them).
// Like a kubelet, the runner posts Ready once and then renews its Lease in kube-node-lease.
import { isAlreadyExists, isConflict, KubeApiError, Resources, resourceType, type KubeClient, type KubeObject, type Lease } from '../../../operator/src/kube/index.ts';
import { microTime } from '../../../operator/src/kube/time.ts';
import { POD_IP } from './env.ts';
import { kubeTime } from './status.ts';

interface Node extends KubeObject {
  apiVersion: 'v1';
  kind: 'Node';
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

const nodes = resourceType<Node>({ group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false });

/** Label on the runner's Node, so tests and selectors can tell it from kwok's fake nodes. */
export const RUNNER_NODE_LABEL = 'sluice.dev/pod-runner';
const LEASE_NAMESPACE = 'kube-node-lease';
const LEASE_SECONDS = 40;
const RENEW_MS = 10_000;

function nodeStatus(now: string): Record<string, unknown> {
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  const resources = { cpu: '64', memory: '256Gi', pods: '250', 'ephemeral-storage': '1Ti' };
  return {
    conditions: [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'runs pods as local processes'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'runs pods as local processes'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'runs pods as local processes'),
      cond('Ready', 'True', 'KubeletReady', 'the sluice pod runner is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: POD_IP },
      { type: 'Hostname', address: 'localhost' },
    ],
    capacity: resources,
    allocatable: resources,
    nodeInfo: {
      architecture: 'amd64',
      operatingSystem: 'linux',
      kubeletVersion: 'v1.33.0-sluice-runner',
      kubeProxyVersion: '',
      containerRuntimeVersion: 'sluice-runner://1',
      kernelVersion: '',
      osImage: 'local processes',
      bootID: '',
      machineID: '',
      systemUUID: '',
    },
  };
}

export interface NodeAgent {
  stop(): void;
}

/** Creates (or takes over) the Node, marks it Ready and keeps its Lease fresh until stop(). */
export async function registerNode(client: KubeClient, name: string, log: (line: string) => void): Promise<NodeAgent> {
  const api = client.resource(nodes);
  let node = await api.get(name);
  if (!node) {
    try {
      node = await api.create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', [RUNNER_NODE_LABEL]: 'true' } },
        spec: {},
      });
    } catch (err) {
      if (!isAlreadyExists(err)) throw new Error(`registering node ${name}: ${(err as Error).message}`, { cause: err });
      node = await api.get(name);
    }
  }
  await api.patch(name, undefined, { type: 'strategic', body: { status: nodeStatus(kubeTime(Date.now())) } }, { subresource: 'status' });
  const uid = node?.metadata.uid;

  const leases = client.resource(Resources.leases);
  const renew = async (): Promise<void> => {
    const now = microTime(Date.now());
    const current = await leases.get(name, LEASE_NAMESPACE);
    const spec = { holderIdentity: name, leaseDurationSeconds: LEASE_SECONDS, renewTime: now };
    if (!current) {
      await leases.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: LEASE_NAMESPACE, ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}) },
        spec,
      } satisfies Lease);
    } else {
      await leases.replace({ ...current, spec: { ...current.spec, ...spec } });
    }
  };
  await renew();
  log(`node ${name} registered and Ready`);
  let stopped = false;
  const timer = setInterval(() => {
    renew().catch((err: unknown) => {
      // A lost race with ourselves or a restarting API server: the next tick renews.
      if (!stopped && !isConflict(err) && !(err instanceof KubeApiError && err.status === 0)) log(`renewing the lease of node ${name}: ${(err as Error).message}`);
    });
  }, RENEW_MS);
  timer.unref();
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
