/** A Kubernetes PolicyRule: the operator's least-privilege RBAC, as data the chart and a test share. */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** Everything the operator does in the namespaces it watches (a ClusterRole, or a Role with --namespace). */
export const OPERATOR_RULES: readonly PolicyRule[] = [
  { apiGroups: ['sluice.dev'], resources: ['sources', 'destinations', 'trackingplans'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: ['sluice.dev'], resources: ['sources/status', 'destinations/status', 'trackingplans/status'], verbs: ['get', 'patch'] },
  { apiGroups: ['sluice.dev'], resources: ['sources/finalizers', 'destinations/finalizers'], verbs: ['update'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'patch'] },
  { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
];

/** Leader election, in the Lease's namespace (a Role). */
export const LEASE_RULES: readonly PolicyRule[] = [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }];
