// The shapes of the objects the operator reads and writes, as they travel as JSON (timestamps
// are RFC 3339 strings, not Dates). Workload specs reuse the client library's generated
// interfaces, re-exported here so no other code imports the library.
import type {
  V1DeploymentSpec,
  V1PodDisruptionBudgetSpec,
  V1PodSpec,
  V1ServiceSpec,
} from '@kubernetes/client-node';

export type { V1Container as Container, V1PodSpec as PodSpec, V1Probe as Probe, V1LabelSelector as LabelSelector } from '@kubernetes/client-node';
export type DeploymentSpec = V1DeploymentSpec;
export type ServiceSpec = V1ServiceSpec;
export type PodDisruptionBudgetSpec = V1PodDisruptionBudgetSpec;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  managedFields?: unknown[];
}

/** Anything with apiVersion, kind and metadata: the CRDs in operator/src/api fit too. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

export interface KubeList<T> {
  items: T[];
  resourceVersion: string;
  /** Present when the server cut the list short (`limit`); pass it back to get the rest. */
  continue?: string;
}

export interface WorkloadCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  observedGeneration?: number;
}

export interface ConfigMap extends KubeObject {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface Secret extends KubeObject {
  apiVersion: 'v1';
  kind: 'Secret';
  type?: string;
  /** Base64-encoded values; `stringData` is write-only. */
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface Deployment extends KubeObject {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  spec?: DeploymentSpec;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    conditions?: WorkloadCondition[];
  };
}

export interface Service extends KubeObject {
  apiVersion: 'v1';
  kind: 'Service';
  spec?: ServiceSpec;
}

export interface PodDisruptionBudget extends KubeObject {
  apiVersion: 'policy/v1';
  kind: 'PodDisruptionBudget';
  spec?: PodDisruptionBudgetSpec;
  status?: { currentHealthy?: number; desiredHealthy?: number; disruptionsAllowed?: number; expectedPods?: number; observedGeneration?: number };
}

export interface Pod extends KubeObject {
  apiVersion: 'v1';
  kind: 'Pod';
  spec?: V1PodSpec;
  status?: { phase?: string; conditions?: WorkloadCondition[]; podIP?: string; containerStatuses?: { name: string; ready: boolean; restartCount: number }[] };
}

export interface Lease extends KubeObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    /** MicroTime: RFC 3339 with microseconds. */
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** events.k8s.io/v1 Event. */
export interface KubeEvent extends KubeObject {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  type: 'Normal' | 'Warning';
  note?: string;
  regarding: ObjectReference;
  related?: ObjectReference;
  series?: { count: number; lastObservedTime: string };
}

export interface Namespace extends KubeObject {
  apiVersion: 'v1';
  kind: 'Namespace';
}
