// The chart's RBAC against what the operator documents it uses (operator/README.md): the
// same grants, nothing more, no wildcards.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEASE_RULES, OPERATOR_RULES } from '../../operator/src/rbac.ts';
import { grants, readmeRbac, wildcardProblems, type PolicyRule } from './checks.ts';
import { ALL_ON, find, NAMESPACE, one, render, repoRoot, type K8sObject } from './helm.ts';

type Role = K8sObject & { rules: PolicyRule[] };
type Binding = K8sObject & { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };

const documented = readmeRbac(readFileSync(join(repoRoot, 'operator/README.md'), 'utf8'));

describe('operator RBAC', () => {
  it.each([
    ['every namespace (ClusterRole)', {}, 'ClusterRole', 'sluice-system-sluice-operator'],
    ['one namespace (Role)', { watchNamespace: 'shop' }, 'Role', 'sluice-operator'],
  ])('%s grants exactly what operator/README.md lists', async (_name, values, kind, name) => {
    const objs = await render(values);
    const role = one<Role>(objs, kind, name);
    expect(grants(role.rules)).toEqual(grants(documented.watched));
    expect(grants(role.rules)).toEqual(grants(OPERATOR_RULES));
    const binding = one<Binding>(objs, `${kind}Binding`, name);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'sluice-operator', namespace: NAMESPACE }]);
  });

  it('the Lease Role in the release namespace grants what the README lists, get/update on its Lease only', async () => {
    const objs = await render();
    const role = one<Role>(objs, 'Role', 'sluice-operator-leader-election');
    expect(role.metadata.namespace).toBe(NAMESPACE);
    expect(grants(role.rules)).toEqual(grants(documented.lease));
    expect(grants(role.rules)).toEqual(grants(LEASE_RULES));
    const named = role.rules.filter((r) => r.verbs.includes('get') || r.verbs.includes('update'));
    expect(named.map((r) => r.resourceNames)).toEqual([['sluice-operator']]);
    expect(one<Binding>(objs, 'RoleBinding', 'sluice-operator-leader-election').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'sluice-operator', namespace: NAMESPACE },
    ]);
  });

  it('has no wildcard and no non-resource URL in any rule', async () => {
    for (const values of [{}, ALL_ON, { watchNamespace: 'shop' }]) {
      const objs = await render(values);
      const roles = [...find(objs, 'ClusterRole'), ...find(objs, 'Role')] as Role[];
      expect(roles.length).toBeGreaterThan(0);
      for (const r of roles) expect(wildcardProblems(r.rules), r.metadata.name).toEqual([]);
    }
  });

  it('no Lease Role without leader election', async () => {
    const objs = await render({ replicas: 1, leaderElection: { enabled: false } });
    expect(find(objs, 'Role')).toEqual([]);
    expect(find(objs, 'Deployment')[0]).toMatchObject({ spec: { template: { spec: { containers: [{ args: expect.arrayContaining(['--leader-elect=false']) as unknown }] } } } });
  });

  it('rbac.create=false renders no RBAC at all', async () => {
    const objs = await render({ rbac: { create: false } });
    expect(objs.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io'))).toEqual([]);
  });
});

describe('RBAC helpers', () => {
  it('grants merges rules per group/resource', () => {
    expect(
      grants([
        { apiGroups: [''], resources: ['secrets'], verbs: ['watch', 'get'] },
        { apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['x'] },
      ]),
    ).toEqual({ 'core/secrets': ['get', 'list', 'watch'] });
  });

  it('wildcardProblems names each wildcard', () => {
    expect(wildcardProblems([{ apiGroups: ['*'], resources: ['pods'], verbs: ['*'] }, { verbs: ['get'], nonResourceURLs: ['/metrics'] }])).toEqual([
      'rules[0].apiGroups: *',
      'rules[0].verbs: *',
      'rules[1].nonResourceURLs: /metrics',
    ]);
  });

  it('readmeRbac reads both tables', () => {
    expect(documented.watched.length).toBeGreaterThan(5);
    expect(grants(documented.lease)).toEqual({ 'coordination.k8s.io/leases': ['create', 'get', 'update'] });
    expect(grants(documented.watched)['core/secrets']).toEqual(['get', 'list', 'watch']);
  });
});
