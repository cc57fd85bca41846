// Pure checks over rendered objects: the restricted Pod Security Standard (plus what the
// project adds: read-only root, resources, probes) and RBAC rules as grant sets.

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

export interface Container {
  name: string;
  image?: string;
  securityContext?: SecurityContext;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  ports?: { name?: string; containerPort: number }[];
}

export interface PodSpec {
  securityContext?: SecurityContext;
  containers: Container[];
  initContainers?: Container[];
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; hostPath?: unknown }[];
}

/** What keeps a pod from the restricted profile and the project's own bar; [] when compliant. */
export function restrictedProblems(pod: PodSpec): string[] {
  const problems: string[] = [];
  const psc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('pod: uses host namespaces');
  for (const v of pod.volumes ?? []) if (v.hostPath !== undefined) problems.push(`volume ${v.name}: hostPath`);
  if (psc.runAsUser === 0) problems.push('pod: runAsUser 0');
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) problems.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation is not false`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) problems.push(`${at}: runAsNonRoot is not true`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) problems.push(`${at}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${at}: seccompProfile is ${seccomp ?? 'unset'}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: capabilities do not drop ALL`);
    const added = (sc.capabilities?.add ?? []).filter((a) => a !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(`${at}: adds capabilities ${added.join(', ')}`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: root filesystem is writable`);
    if (c.resources?.requests?.cpu === undefined || c.resources.requests.memory === undefined) problems.push(`${at}: no cpu/memory requests`);
    if (c.resources?.limits?.memory === undefined) problems.push(`${at}: no memory limit`);
    if (c.readinessProbe === undefined || c.livenessProbe === undefined) problems.push(`${at}: missing readiness or liveness probe`);
  }
  return problems;
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** "group/resource" → verbs granted (resourceNames ignored: they only narrow a grant). */
export function grants(rules: readonly PolicyRule[]): Record<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const r of rules) {
    for (const g of r.apiGroups ?? []) {
      for (const res of r.resources ?? []) {
        const key = `${g === '' ? 'core' : g}/${res}`;
        const set = out.get(key) ?? new Set<string>();
        for (const v of r.verbs) set.add(v);
        out.set(key, set);
      }
    }
  }
  return Object.fromEntries([...out.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()]));
}

/** Wildcards and non-resource URLs anywhere in the rules, described. */
export function wildcardProblems(rules: readonly PolicyRule[]): string[] {
  const problems: string[] = [];
  rules.forEach((r, i) => {
    for (const [field, values] of Object.entries({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs, resourceNames: r.resourceNames })) {
      for (const v of values ?? []) if (v.includes('*')) problems.push(`rules[${i}].${field}: ${v}`);
    }
    if (r.nonResourceURLs?.length) problems.push(`rules[${i}].nonResourceURLs: ${r.nonResourceURLs.join(', ')}`);
  });
  return problems;
}

/**
 * The RBAC tables of operator/README.md ("### RBAC"): the first table is what the operator
 * needs wherever it watches, the second what it needs in the Lease namespace.
 */
export function readmeRbac(markdown: string): { watched: PolicyRule[]; lease: PolicyRule[] } {
  const start = markdown.indexOf('### RBAC');
  if (start < 0) throw new Error('reading operator/README.md: no "### RBAC" section');
  const section = markdown.slice(start).split(/\n## /)[0] ?? '';
  const tables: PolicyRule[][] = [];
  let current: PolicyRule[] | undefined;
  for (const line of section.split('\n')) {
    const cells = line.trim().startsWith('|') ? line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim()) : undefined;
    if (!cells || cells.length !== 3 || !cells.every((c) => c.includes('`'))) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = [];
      tables.push(current);
    }
    const items = (c: string) => [...c.matchAll(/`([^`]*)`/g)].map((m) => (m[1] === '""' ? '' : (m[1] ?? '')));
    const [groups = '', resources = '', verbs = ''] = cells;
    current.push({ apiGroups: items(groups), resources: items(resources), verbs: items(verbs) });
  }
  const [watched, lease] = tables;
  if (!watched || !lease) throw new Error(`reading operator/README.md: expected two RBAC tables, found ${tables.length}`);
  return { watched, lease };
}
