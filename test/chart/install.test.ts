// `helm install` of charts/sluice into a real control plane (etcd, kube-apiserver,
// kube-controller-manager): CRDs established, the operator Deployment and NATS StatefulSet as
// rendered, pods admitted under the "restricted" Pod Security Standard (no kubelet: they never
// run), RBAC that grants the operator what it needs and nothing else, and `helm uninstall`
// removing everything but the CRDs (Helm never deletes CRDs).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { ARGOCD_CM, HEALTH_LUA, KINDS, healthKey } from '../gitops/argocd-cm.ts';
import { chartDir, helm, NAMESPACE, RELEASE, valuesFile } from './helm.ts';

const CRDS = ['sources.sluice.dev', 'destinations.sluice.dev', 'trackingplans.sluice.dev'];
const SA = `system:serviceaccount:${NAMESPACE}:sluice-operator`;
const INSTANCE = `app.kubernetes.io/instance=${RELEASE}`;

/** Just enough of prometheus-operator's CRDs for the API server to store the chart's objects. */
const monitoringCrds = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].map((kind) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${kind.toLowerCase()}s.monitoring.coreos.com` },
  spec: {
    group: 'monitoring.coreos.com',
    scope: 'Namespaced',
    names: { kind, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
}));

const VALUES = {
  metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } },
  prometheusRule: { enabled: true },
  grafanaDashboard: { enabled: true },
  networkPolicy: { enabled: true },
};

interface Item {
  kind: string;
  metadata: { name: string; namespace?: string };
}

describe('helm install into a real control plane', () => {
  let cp: ControlPlane;
  const kube = (args: string[]) => ['--kubeconfig', cp.kubeconfig, ...args];
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await cp.kubectlOk([...args, '-o', 'json'])) as T;
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`waiting for ${what}: not there after ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  beforeAll(async () => {
    cp = await startControlPlane();
    // Pods the chart's controllers create are admitted only if they meet the restricted profile.
    await cp.kubectlOk(['create', 'namespace', NAMESPACE]);
    await cp.kubectlOk(['label', 'namespace', NAMESPACE, 'pod-security.kubernetes.io/enforce=restricted']);
    await cp.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: monitoringCrds }) });
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...monitoringCrds.map((c) => `crd/${c.metadata.name}`)]);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('installs, with CRDs established and the objects the templates render', async () => {
    const r = await helm(kube(['install', RELEASE, chartDir, '--namespace', NAMESPACE, '-f', valuesFile(VALUES), '--timeout', '2m']), { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((c) => `crd/${c}`)]);

    const names = async (kind: string, ns?: string) =>
      (await json<{ items: Item[] }>(['get', kind, '-l', INSTANCE, ...(ns ? ['-n', ns] : [])])).items.map((i) => i.metadata.name).sort();
    expect(await names('deployments,statefulsets,services,configmaps,serviceaccounts,roles,rolebindings,networkpolicies', NAMESPACE)).toEqual(
      [
        'sluice-dashboard',
        'sluice-nats',
        'sluice-nats',
        'sluice-nats',
        'sluice-nats',
        'sluice-nats-headless',
        'sluice-operator',
        'sluice-operator',
        'sluice-operator',
        'sluice-operator-leader-election',
        'sluice-operator-leader-election',
        'sluice-operator-metrics',
      ].sort(),
    );
    expect(await names('clusterroles,clusterrolebindings')).toEqual(['sluice-system-sluice-operator', 'sluice-system-sluice-operator']);
    expect(await names('servicemonitors,podmonitors,prometheusrules', NAMESPACE)).toEqual(['sluice', 'sluice-operator', 'sluice-runtime']);
  });

  it('created the operator Deployment as rendered: 2 replicas, leader election, restricted', async () => {
    const d = await json<{
      spec: { replicas: number; template: { spec: { securityContext: object; containers: { args: string[]; securityContext: object }[] } } };
    }>(['get', 'deployment', 'sluice-operator', '-n', NAMESPACE]);
    expect(d.spec.replicas).toBe(2);
    const c = d.spec.template.spec.containers[0];
    expect(c?.args).toEqual(expect.arrayContaining(['operator', '--leader-elect=true', `--lease-namespace=${NAMESPACE}`, `--bus-url=nats://sluice-nats.${NAMESPACE}.svc:4222`, `--nats-url=nats://sluice-nats.${NAMESPACE}.svc:4222`]));
    expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
  });

  it('its pods pass restricted Pod Security admission (the controllers could create them)', async () => {
    const pods = async (component: string) =>
      (await json<{ items: Item[] }>(['get', 'pods', '-n', NAMESPACE, '-l', `app.kubernetes.io/component=${component}`])).items.map((p) => p.metadata.name);
    const atLeast = (component: string, n: number) =>
      waitFor(`${n} ${component} pod(s)`, async () => {
        const found = await pods(component);
        return found.length >= n ? found : undefined;
      });
    expect(await atLeast('operator', 2)).toHaveLength(2);
    expect(await atLeast('nats', 1)).toEqual(['sluice-nats-0']);
    // The namespace really enforces the profile: a pod outside it is refused.
    const refused = await cp.kubectl(['run', 'rooted', '-n', NAMESPACE, '--image=registry.invalid/x:1', '--overrides={"spec":{"securityContext":{"runAsUser":0}}}']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('violates PodSecurity "restricted');
  });

  it.each([
    ['patch', 'sources.sluice.dev', 'shop', true],
    ['patch', 'sources.sluice.dev --subresource=status', 'shop', true],
    ['update', 'sources.sluice.dev --subresource=status', 'shop', false],
    ['update', 'destinations.sluice.dev --subresource=finalizers', 'shop', true],
    ['update', 'trackingplans.sluice.dev --subresource=finalizers', 'shop', false],
    ['watch', 'trackingplans.sluice.dev', 'shop', true],
    ['create', 'deployments.apps', 'shop', true],
    ['delete', 'poddisruptionbudgets.policy', 'shop', true],
    ['create', 'events.events.k8s.io', 'shop', true],
    ['list', 'secrets', 'shop', true],
    ['update', 'secrets', 'shop', false],
    ['delete', 'deployments.apps', 'shop', true],
    ['delete', 'services', 'shop', false],
    ['delete', 'sources.sluice.dev', 'shop', false],
    ['create', 'pods', 'shop', false],
    ['create', 'leases.coordination.k8s.io', NAMESPACE, true],
    ['update', 'leases.coordination.k8s.io/sluice-operator', NAMESPACE, true],
    ['update', 'leases.coordination.k8s.io/someone-else', NAMESPACE, false],
    ['create', 'leases.coordination.k8s.io', 'shop', false],
    ['*', '*', 'shop', false],
  ])('the operator can %s %s in %s: %s', async (verb, resource, ns, allowed) => {
    // "resource/name" names an object; a subresource needs --subresource.
    const r = await cp.kubectl(['auth', 'can-i', verb, ...resource.split(' '), '-n', ns, `--as=${SA}`]);
    expect(r.stdout.trim()).toBe(allowed ? 'yes' : 'no');
  });

  it('the argocd-cm snippet merges into an Argo CD ConfigMap as written', async () => {
    await cp.kubectlOk(['create', 'namespace', 'argocd']);
    await cp.kubectlOk(['create', 'configmap', 'argocd-cm', '-n', 'argocd', '--from-literal=url=https://argocd.example']);
    await cp.kubectlOk(['patch', 'configmap', 'argocd-cm', '-n', 'argocd', '--type', 'merge', '--patch-file', ARGOCD_CM]);
    const cm = await json<{ data: Record<string, string> }>(['get', 'configmap', 'argocd-cm', '-n', 'argocd']);
    const script = readFileSync(HEALTH_LUA, 'utf8');
    expect(Object.keys(cm.data).sort()).toEqual(['url', ...KINDS.map(healthKey)].sort());
    for (const k of KINDS) expect(cm.data[healthKey(k)]).toBe(script);
  });

  it('upgrades in place', async () => {
    const r = await helm(kube(['upgrade', RELEASE, chartDir, '--namespace', NAMESPACE, '-f', valuesFile(VALUES), '--set', 'replicas=3']), { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((await json<{ spec: { replicas: number } }>(['get', 'deployment', 'sluice-operator', '-n', NAMESPACE])).spec.replicas).toBe(3);
  });

  it('uninstalls everything but the CRDs', async () => {
    const r = await helm(kube(['uninstall', RELEASE, '--namespace', NAMESPACE, '--wait', '--timeout', '2m']), { timeoutMs: 150_000 });
    expect(r.code, r.stderr).toBe(0);
    const left = await json<{ items: Item[] }>([
      'get',
      'deployments,statefulsets,services,configmaps,serviceaccounts,roles,rolebindings,networkpolicies,poddisruptionbudgets,servicemonitors,podmonitors,prometheusrules',
      '-n',
      NAMESPACE,
      '-l',
      INSTANCE,
    ]);
    expect(left.items.map((i) => `${i.kind}/${i.metadata.name}`)).toEqual([]);
    expect((await json<{ items: Item[] }>(['get', 'clusterroles,clusterrolebindings', '-l', INSTANCE])).items).toEqual([]);
    expect((await json<{ items: Item[] }>(['get', 'crd', ...CRDS])).items.map((c) => c.metadata.name).sort()).toEqual([...CRDS].sort());
    // The NATS volume claim outlives the release on purpose (StatefulSet claims are kept).
    expect((await json<{ items: Item[] }>(['get', 'pvc', '-n', NAMESPACE])).items.map((p) => p.metadata.name)).toEqual(['data-sluice-nats-0']);
  });
});
