/** What a runtime workload does: serve a Source's ingest, or deliver to a Destination. */
export type Component = 'ingest' | 'deliver';

export const MANAGED_BY = 'sluice-operator';

/** The labels that select a workload's pods: fixed for its life (a Deployment selector is immutable). */
export function selectorLabels(instance: string, component: Component): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'sluice',
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
  };
}

/** Kubernetes' recommended labels, on every object the operator creates. */
export function recommendedLabels(instance: string, component: Component): Record<string, string> {
  return {
    ...selectorLabels(instance, component),
    'app.kubernetes.io/part-of': 'sluice',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Informers of child kinds only cache what carries this. */
export const MANAGED_SELECTOR = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/** The name of a child: a ConfigMap and a Deployment per Source (`-ingest`) or Destination (`-deliver`). */
export const childName = (owner: string, component: Component): string => `${owner}-${component}`;
