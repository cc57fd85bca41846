import type { Source } from '../../api/index.ts';
import { objectKey, type OwnerReference, type PodDisruptionBudget, type Service } from '../../kube/index.ts';
import { childName, recommendedLabels, selectorLabels } from '../common/labels.ts';
import { runtimeConfigMap, runtimeDeployment, type WorkloadSettings } from '../common/workload.ts';

export const DEFAULT_REPLICAS = 2;

export const ingestName = (source: string) => childName(source, 'ingest');

/** The URL SDKs send to: the Service, named after the Source, in-cluster. */
export const endpointOf = (s: Source) => `http://${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc:80/v1`;

export const ingestKeys = (s: Source) => {
  const ns = s.metadata.namespace;
  return { configMap: objectKey(ns, ingestName(s.metadata.name)), deployment: objectKey(ns, ingestName(s.metadata.name)), service: objectKey(ns, s.metadata.name), pdb: objectKey(ns, ingestName(s.metadata.name)) };
};

/** A Source's children: its config, the ingest Deployment, the Service, and a PodDisruptionBudget when more than one pod runs. */
export function renderSourceChildren(s: Source, ownerRef: OwnerReference, d: { config: string; digest: string; secrets: string[] }, settings: WorkloadSettings) {
  const replicas = s.spec.replicas ?? DEFAULT_REPLICAS;
  const labels = recommendedLabels(s.metadata.name, 'ingest');
  const meta = (name: string) => ({ name, namespace: s.metadata.namespace, labels, ownerReferences: [ownerRef] });
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(s.metadata.name),
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(s.metadata.name, 'ingest'),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
  const pdb: PodDisruptionBudget | undefined =
    replicas > 1
      ? {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: meta(ingestName(s.metadata.name)),
          spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(s.metadata.name, 'ingest') } },
        }
      : undefined;
  return {
    configMap: runtimeConfigMap(s, ownerRef, 'ingest', d.config),
    deployment: runtimeDeployment({ owner: s, ownerRef, component: 'ingest', replicas, secrets: d.secrets, digest: d.digest, settings }),
    service,
    pdb,
  };
}
