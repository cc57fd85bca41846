// The Pod status a kubelet would report for what runs locally. Pure: the runner snapshots its
// processes and writes the result as a strategic merge patch of the status subresource.
import { constants as osConstants } from 'node:os';
import type { WorkloadCondition } from '../../../operator/src/kube/index.ts';
import { POD_IP } from './env.ts';
import type { PodPhase } from './types.ts';

export type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | { kind: 'running'; startedAt: string; pid: number }
  | { kind: 'terminated'; exitCode: number; signal?: string; reason: string; startedAt: string; finishedAt: string; pid: number };

export interface ContainerSnapshot {
  name: string;
  image: string;
  restartCount: number;
  ready: boolean;
  /** Running and past its startup probe. */
  started: boolean;
  state: ContainerState;
  last?: ContainerState;
}

export interface PodSnapshot {
  phase: PodPhase;
  startTime: string;
  /** Volumes are in place (the kubelet's "sandbox" is up). */
  volumesReady: boolean;
  /** Every init container finished. */
  initialized: boolean;
  init: ContainerSnapshot[];
  containers: ContainerSnapshot[];
}

/** RFC 3339 to the second, as the API writes metav1.Time. */
export const kubeTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function stateJson(s: ContainerState): Record<string, unknown> {
  switch (s.kind) {
    case 'waiting':
      return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
    case 'running':
      return { running: { startedAt: s.startedAt } };
    case 'terminated':
      return {
        terminated: {
          exitCode: s.exitCode,
          ...(s.signal ? { signal: signalNumber(s.signal) } : {}),
          reason: s.reason,
          startedAt: s.startedAt,
          finishedAt: s.finishedAt,
          containerID: containerId(s.pid),
        },
      };
  }
}

const signalNumber = (s: string): number => (osConstants.signals as Record<string, number | undefined>)[s] ?? 0;
const containerId = (pid: number): string => `sluice-runner://${pid}`;

function containerStatus(c: ContainerSnapshot): Record<string, unknown> {
  const pid = c.state.kind === 'waiting' ? undefined : c.state.pid;
  return {
    name: c.name,
    image: c.image,
    imageID: c.image,
    ...(pid !== undefined ? { containerID: containerId(pid) } : {}),
    ready: c.ready,
    started: c.started,
    restartCount: c.restartCount,
    state: stateJson(c.state),
    lastState: c.last ? stateJson(c.last) : {},
  };
}

function condition(type: string, ok: boolean, prev: readonly WorkloadCondition[] | undefined, now: string, reason?: string): WorkloadCondition {
  const status = ok ? 'True' : 'False';
  const before = prev?.find((c) => c.type === type);
  return {
    type,
    status,
    lastTransitionTime: before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now,
    ...(!ok && reason ? { reason } : {}),
  };
}

/** The status to write; conditions keep their transition time unless their status flips. */
export function buildStatus(prev: readonly WorkloadCondition[] | undefined, snap: PodSnapshot, now: string): Record<string, unknown> {
  const terminal = snap.phase === 'Succeeded' || snap.phase === 'Failed';
  const containersReady = !terminal && snap.containers.length > 0 && snap.containers.every((c) => c.ready);
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  return {
    phase: snap.phase,
    hostIP: POD_IP,
    hostIPs: [{ ip: POD_IP }],
    podIP: POD_IP,
    podIPs: [{ ip: POD_IP }],
    startTime: snap.startTime,
    conditions: [
      condition('PodReadyToStartContainers', snap.volumesReady && !terminal, prev, now),
      condition('Initialized', snap.initialized, prev, now, 'ContainersNotInitialized'),
      condition('ContainersReady', containersReady, prev, now, notReadyReason),
      condition('Ready', containersReady, prev, now, notReadyReason),
    ],
    ...(snap.init.length > 0 ? { initContainerStatuses: snap.init.map(containerStatus) } : {}),
    containerStatuses: snap.containers.map(containerStatus),
  };
}

/** Running while anything runs or will run again; terminal once every container is done for good. */
export function podPhase(p: { initialized: boolean; anyStarted: boolean; allDone: boolean; allSucceeded: boolean; failedInit: boolean }): PodPhase {
  if (p.failedInit) return 'Failed';
  if (p.allDone) return p.allSucceeded ? 'Succeeded' : 'Failed';
  return p.initialized && p.anyStarted ? 'Running' : 'Pending';
}
