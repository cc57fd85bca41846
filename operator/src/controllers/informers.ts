import type { Destination, Source, TrackingPlan } from '../api/index.ts';
import {
  Informer,
  objectKey,
  Resources,
  stripManagedFields,
  type ConfigMap,
  type Deployment,
  type KubeClient,
  type KubeObject,
  type Logger,
  type PodDisruptionBudget,
  type Secret,
  type Service,
} from '../kube/index.ts';
import { MANAGED_BY, MANAGED_SELECTOR } from './common/labels.ts';

/** One informer per kind, shared by every controller; indexes map referenced objects back to their users. */
export interface Informers {
  sources: Informer<Source>;
  destinations: Informer<Destination>;
  trackingPlans: Informer<TrackingPlan>;
  secrets: Informer<Secret>;
  configMaps: Informer<ConfigMap>;
  deployments: Informer<Deployment>;
  services: Informer<Service>;
  podDisruptionBudgets: Informer<PodDisruptionBudget>;
}

/** Index names: "<ns>/<name>" of the referenced object → the objects referencing it. */
export const BY_PLAN = 'trackingPlan';
export const BY_SECRET = 'secret';
export const BY_CONFIG_MAP = 'configMap';
export const BY_SOURCE = 'source';

export interface InformerSettings {
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  resyncMs?: number;
  log?: Logger;
}

export function createInformers(client: KubeClient, s: InformerSettings): Informers {
  const base = { ...(s.namespace ? { namespace: s.namespace } : {}), ...(s.resyncMs !== undefined ? { resyncMs: s.resyncMs } : {}), ...(s.log ? { log: s.log } : {}) };
  const owned = { ...base, labelSelector: MANAGED_SELECTOR };
  const inf: Informers = {
    sources: new Informer(client.resource(Resources.sources), base),
    destinations: new Informer(client.resource(Resources.destinations), base),
    trackingPlans: new Informer(client.resource(Resources.trackingPlans), base),
    secrets: new Informer(client.resource(Resources.secrets), { ...base, transform: secretKeysOnly }),
    // Every ConfigMap: Destinations read functions from ConfigMaps of their own.
    configMaps: new Informer(client.resource(Resources.configMaps), { ...base, transform: slimConfigMap }),
    deployments: new Informer(client.resource(Resources.deployments), { ...owned, transform: slimDeployment }),
    services: new Informer(client.resource(Resources.services), { ...owned, transform: metadataOnly }),
    podDisruptionBudgets: new Informer(client.resource(Resources.podDisruptionBudgets), { ...owned, transform: metadataOnly }),
  };
  const ns = (o: KubeObject, name: string) => objectKey(o.metadata.namespace, name);
  inf.sources.addIndex(BY_PLAN, (s) => (s.spec.trackingPlanRef ? [ns(s, s.spec.trackingPlanRef.name)] : []));
  inf.sources.addIndex(BY_SECRET, (s) => s.spec.writeKeys.map((w) => ns(s, w.secretRef.name)));
  inf.destinations.addIndex(BY_SECRET, (d) => (d.spec.credentials ? [ns(d, d.spec.credentials.secretRef.name)] : []));
  inf.destinations.addIndex(BY_CONFIG_MAP, (d) => (d.spec.function ? [ns(d, d.spec.function.configMapRef.name)] : []));
  inf.destinations.addIndex(BY_SOURCE, (d) => d.spec.sources.map((r) => ns(d, r.name)));
  return inf;
}

export function startInformers(inf: Informers): void {
  for (const i of Object.values(inf) as Informer<KubeObject>[]) i.start();
}

export async function stopInformers(inf: Informers): Promise<void> {
  await Promise.all((Object.values(inf) as Informer<KubeObject>[]).map((i) => i.stop()));
}

export function informersSynced(inf: Informers): boolean {
  return (Object.values(inf) as Informer<KubeObject>[]).every((i) => i.hasSynced());
}

/**
 * The operator needs a Secret's keys and version, never its values: they are dropped before
 * caching, together with annotations (kubectl's last-applied-configuration repeats them).
 */
export function secretKeysOnly(s: Secret): Secret {
  const { annotations: _a, managedFields: _m, ...metadata } = s.metadata;
  const data = Object.fromEntries(Object.keys(s.data ?? {}).map((k) => [k, '']));
  return { apiVersion: s.apiVersion, kind: s.kind, metadata, ...(s.type ? { type: s.type } : {}), data };
}

/** Our own ConfigMaps are only compared by their applied digest: their data need not stay in memory. */
export function slimConfigMap(c: ConfigMap): ConfigMap {
  const stripped = stripManagedFields(c);
  const { 'kubectl.kubernetes.io/last-applied-configuration': _l, ...annotations } = stripped.metadata.annotations ?? {};
  const metadata = { ...stripped.metadata, annotations };
  if (stripped.metadata.labels?.['app.kubernetes.io/managed-by'] === MANAGED_BY) return { apiVersion: c.apiVersion, kind: c.kind, metadata };
  return { ...stripped, metadata };
}

/** What the controllers read of a Deployment: metadata, replicas and status (the pod template is large). */
export function slimDeployment(d: Deployment): Deployment {
  const { managedFields: _m, ...metadata } = d.metadata;
  return {
    apiVersion: d.apiVersion,
    kind: d.kind,
    metadata,
    ...(d.spec ? { spec: { replicas: d.spec.replicas, selector: d.spec.selector, template: { metadata: d.spec.template.metadata ?? {} } } } : {}),
    ...(d.status ? { status: d.status } : {}),
  };
}

export function metadataOnly<T extends KubeObject>(o: T): T {
  const { managedFields: _m, ...metadata } = o.metadata;
  return { apiVersion: o.apiVersion, kind: o.kind, metadata } as T;
}
