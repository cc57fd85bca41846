import { CONFIG_DIGEST_ANNOTATION, CONFIG_DIR, CONFIG_KEY, CONFIG_PATH, SECRETS_DIR } from '../../../../runtime/src/cluster/paths.ts';
import type { ConfigMap, Container, Deployment, KubeObject, OwnerReference, PodSpec } from '../../kube/index.ts';
import { childName, recommendedLabels, selectorLabels, type Component } from './labels.ts';

/** The port runtime containers serve on: the Segment API (ingest), health and metrics. */
export const RUNTIME_PORT = 8080;
/** The non-root user the runtime image runs as (distroless "nonroot"). */
export const RUNTIME_UID = 65532;

export interface WorkloadSettings {
  /** The image holding the `sluice` CLI as its entry point. */
  image: string;
  /** Handed to the runtime as --bus. */
  busUrl: string;
}

export interface WorkloadInput {
  owner: KubeObject;
  ownerRef: OwnerReference;
  component: Component;
  replicas: number;
  /** Secrets the config reads, each mounted at SECRETS_DIR/<name>. */
  secrets: readonly string[];
  /** Digest of the rendered config and the Secrets' versions: a change rolls the pods. */
  digest: string;
  settings: WorkloadSettings;
}

export function runtimeConfigMap(owner: KubeObject, ownerRef: OwnerReference, component: Component, config: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: childName(owner.metadata.name, component),
      namespace: owner.metadata.namespace,
      labels: recommendedLabels(owner.metadata.name, component),
      ownerReferences: [ownerRef],
    },
    data: { [CONFIG_KEY]: config },
  };
}

/**
 * The Deployment running `sluice ingest|deliver`: restricted pod security, no API token,
 * probes on the runtime's health endpoints, and a rolling update that adds a pod before
 * removing one, so a config change never leaves fewer pods serving.
 */
export function runtimeDeployment(w: WorkloadInput): Deployment {
  const name = childName(w.owner.metadata.name, w.component);
  const labels = recommendedLabels(w.owner.metadata.name, w.component);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: w.owner.metadata.namespace, labels, ownerReferences: [w.ownerRef] },
    spec: {
      replicas: w.replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(w.owner.metadata.name, w.component) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations: { [CONFIG_DIGEST_ANNOTATION]: w.digest } },
        spec: podSpec(w, name),
      },
    },
  };
}

function podSpec(w: WorkloadInput, configMapName: string): PodSpec {
  const secretVolumes = w.secrets.map((secret, i) => ({ name: `secret-${i}`, secret }));
  const container: Container = {
    name: w.component,
    image: w.settings.image,
    imagePullPolicy: 'IfNotPresent',
    args: [w.component, '--config', CONFIG_PATH, '--secrets-dir', SECRETS_DIR, '--bus', w.settings.busUrl, '--port', String(RUNTIME_PORT)],
    ports: [{ name: 'http', containerPort: RUNTIME_PORT, protocol: 'TCP' }],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...secretVolumes.map((v) => ({ name: v.name, mountPath: `${SECRETS_DIR}/${v.secret}`, readOnly: true })),
    ],
  };
  return {
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 30,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUNTIME_UID,
      runAsGroup: RUNTIME_UID,
      fsGroup: RUNTIME_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [container],
    volumes: [
      { name: 'config', configMap: { name: configMapName, items: [{ key: CONFIG_KEY, path: CONFIG_KEY }], defaultMode: 0o444 } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      ...secretVolumes.map((v) => ({ name: v.name, secret: { secretName: v.secret, defaultMode: 0o440 } })),
    ],
  };
}
