import { GROUP, VERSION, type Destination, type Source, type TrackingPlan } from '../api/index.ts';
import type {
  ConfigMap,
  Deployment,
  KubeEvent,
  KubeObject,
  Lease,
  Namespace,
  Pod,
  PodDisruptionBudget,
  Secret,
  Service,
} from './types.ts';

/**
 * What the API needs to address a kind: group ('' for the core group), version, plural.
 * `T` only carries the object type to the typed client; it exists at compile time alone.
 */
export interface ResourceType<T extends KubeObject = KubeObject> {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Phantom field: never set, only ties the descriptor to its object type. */
  readonly _type?: T;
}

export function resourceType<T extends KubeObject>(r: Omit<ResourceType<T>, '_type'>): ResourceType<T> {
  return r;
}

export const apiVersionOf = (r: ResourceType): string => (r.group ? `${r.group}/${r.version}` : r.version);

/** "sources.sluice.dev", "configmaps": how kubectl and RBAC name the resource. */
export const resourceName = (r: ResourceType): string => (r.group ? `${r.plural}.${r.group}` : r.plural);

export interface PathParts {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * The URL path of a collection or object: /api/v1/namespaces/ns/configmaps/name,
 * /apis/sluice.dev/v1alpha1/sources. Without a namespace a namespaced kind is listed
 * across all namespaces.
 */
export function resourcePath(r: ResourceType, parts: PathParts = {}): string {
  const root = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const seg = (s: string) => encodeURIComponent(s);
  let path = root;
  if (r.namespaced && parts.namespace) path += `/namespaces/${seg(parts.namespace)}`;
  path += `/${r.plural}`;
  if (parts.name !== undefined) {
    path += `/${seg(parts.name)}`;
    if (parts.subresource) path += `/${parts.subresource}`;
  } else if (parts.subresource) {
    throw new Error(`building the path of ${resourceName(r)}: subresource "${parts.subresource}" needs an object name`);
  }
  return path;
}

/** Every kind the operator touches, declared once. */
export const Resources = {
  sources: resourceType<Source>({ group: GROUP, version: VERSION, plural: 'sources', kind: 'Source', namespaced: true }),
  destinations: resourceType<Destination>({ group: GROUP, version: VERSION, plural: 'destinations', kind: 'Destination', namespaced: true }),
  trackingPlans: resourceType<TrackingPlan>({ group: GROUP, version: VERSION, plural: 'trackingplans', kind: 'TrackingPlan', namespaced: true }),
  configMaps: resourceType<ConfigMap>({ group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true }),
  secrets: resourceType<Secret>({ group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true }),
  services: resourceType<Service>({ group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true }),
  pods: resourceType<Pod>({ group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true }),
  namespaces: resourceType<Namespace>({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false }),
  deployments: resourceType<Deployment>({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true }),
  podDisruptionBudgets: resourceType<PodDisruptionBudget>({
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
  }),
  leases: resourceType<Lease>({ group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true }),
  events: resourceType<KubeEvent>({ group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true }),
} as const;
