// `helm lint` and `helm template` of charts/sluice with the real helm: what each option
// renders, and that the values schema refuses bad values with the key's path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restrictedProblems, type Container, type PodSpec } from './checks.ts';
import { ALL_ON, chartDir, find, helm, NAMESPACE, one, render, repoRoot, template, type K8sObject } from './helm.ts';

interface Workload extends K8sObject {
  spec: { replicas: number; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec & Record<string, unknown> } };
}

const kinds = (objs: K8sObject[]) => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const container = (w: Workload, name: string): Container & { args?: string[]; env?: unknown[] } => {
  const c = w.spec.template.spec.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${w.metadata.name}`);
  return c;
};
const MONITORING = ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'];

describe('helm lint --strict', () => {
  it('passes with default values', async () => {
    const r = await helm(['lint', '--strict', chartDir]);
    expect(r.stderr + r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it('passes with every option on', async () => {
    const r = await helm([
      'lint',
      '--strict',
      chartDir,
      '--set',
      'nats.replicas=3,metrics.serviceMonitor.enabled=true,metrics.podMonitor.enabled=true,prometheusRule.enabled=true,grafanaDashboard.enabled=true,networkPolicy.enabled=true,watchNamespace=shop',
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('default values', () => {
  it('render the operator, its RBAC and a single NATS server, nothing optional', async () => {
    const objs = await render();
    expect(kinds(objs)).toEqual(
      [
        'ClusterRole/sluice-system-sluice-operator',
        'ClusterRoleBinding/sluice-system-sluice-operator',
        'ConfigMap/sluice-nats',
        'Deployment/sluice-operator',
        'PodDisruptionBudget/sluice-operator',
        'Role/sluice-operator-leader-election',
        'RoleBinding/sluice-operator-leader-election',
        'Service/sluice-nats',
        'Service/sluice-nats-headless',
        'Service/sluice-operator-metrics',
        'ServiceAccount/sluice-operator',
        'StatefulSet/sluice-nats',
      ].sort(),
    );
    expect(objs.filter((o) => MONITORING.includes(o.kind) || o.kind === 'NetworkPolicy')).toEqual([]);
    for (const o of objs) {
      expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${o.kind}/${o.metadata.name}`).toBe('sluice');
      if (!o.kind.startsWith('Cluster')) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NAMESPACE);
    }
  });

  it('run two operator replicas with leader election, the runtime image and the bus URL', async () => {
    const d = one<Workload>(await render(), 'Deployment', 'sluice-operator');
    expect(d.spec.replicas).toBe(2);
    const c = container(d, 'operator');
    expect(c.image).toBe('ghcr.io/sluice-dev/sluice:0.1.0');
    expect(c.args).toEqual([
      'operator',
      '--runtime-image=ghcr.io/sluice-dev/sluice:0.1.0',
      `--bus-url=nats://sluice-nats.${NAMESPACE}.svc:4222`,
      `--nats-url=nats://sluice-nats.${NAMESPACE}.svc:4222`,
      '--leader-elect=true',
      `--lease-namespace=${NAMESPACE}`,
      '--lease-name=sluice-operator',
      '--metrics-port=8081',
      '--health-port=8082',
      '--workers=4',
      '--log-level=info',
    ]);
    expect(c.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ]);
    expect(c).toMatchObject({
      readinessProbe: { httpGet: { path: '/readyz', port: 'health' } },
      livenessProbe: { httpGet: { path: '/healthz', port: 'health' } },
      ports: [
        { name: 'metrics', containerPort: 8081 },
        { name: 'health', containerPort: 8082 },
      ],
    });
    expect(d.spec.template.spec.serviceAccountName).toBe('sluice-operator');
    expect(d.spec).toMatchObject({ strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
  });

  it('spread the replicas softly over nodes and zones', async () => {
    const d = one<Workload>(await render(), 'Deployment', 'sluice-operator');
    const spread = d.spec.template.spec.topologySpreadConstraints as { topologyKey: string; whenUnsatisfiable: string; labelSelector: { matchLabels: Record<string, string> } }[];
    expect(spread.map((s) => [s.topologyKey, s.whenUnsatisfiable])).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
    for (const s of spread) expect(d.spec.template.metadata.labels).toMatchObject(s.labelSelector.matchLabels);
    const none = one<Workload>(await render({ topologySpreadConstraints: [] }), 'Deployment');
    expect(none.spec.template.spec.topologySpreadConstraints).toBeUndefined();
  });

  it('keep every pod within the restricted profile', async () => {
    const objs = await render(ALL_ON);
    const workloads = [...find(objs, 'Deployment'), ...find(objs, 'StatefulSet')] as Workload[];
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['sluice-nats', 'sluice-operator']);
    for (const w of workloads) expect(restrictedProblems(w.spec.template.spec), w.metadata.name).toEqual([]);
  });

  it('point the metrics Service at the operator pods', async () => {
    const objs = await render();
    const svc = one<K8sObject & { spec: { selector: Record<string, string>; ports: { name: string; targetPort: string }[] } }>(objs, 'Service', 'sluice-operator-metrics');
    const d = one<Workload>(objs, 'Deployment');
    expect(d.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 8081, targetPort: 'metrics', protocol: 'TCP' }]);
  });
});

describe('restricted-profile check', () => {
  it.each([
    ['root user', { securityContext: { runAsUser: 0 } }, 'runAsUser 0'],
    ['privilege escalation', { containers: [{ name: 'c', securityContext: {} }] }, 'allowPrivilegeEscalation is not false'],
    ['no seccomp', { securityContext: {} }, 'seccompProfile is unset'],
    ['hostPath', { volumes: [{ name: 'v', hostPath: { path: '/' } }] }, 'volume v: hostPath'],
  ])('finds %s', (_name, patch, problem) => {
    const ok: PodSpec = {
      securityContext: { runAsNonRoot: true, runAsUser: 1, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'c',
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
          resources: { requests: { cpu: '1', memory: '1Mi' }, limits: { memory: '1Mi' } },
          readinessProbe: {},
          livenessProbe: {},
        },
      ],
    };
    expect(restrictedProblems(ok)).toEqual([]);
    expect(restrictedProblems({ ...ok, ...patch }).join('\n')).toContain(problem);
  });
});

describe('options', () => {
  it('runtime.image and image.digest change the images the operator runs and hands out', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const d = one<Workload>(await render({ image: { digest }, runtime: { image: 'registry.example/sluice-runtime:1.2.3' } }), 'Deployment');
    const c = container(d, 'operator');
    expect(c.image).toBe(`ghcr.io/sluice-dev/sluice@${digest}`);
    expect(c.args).toContain('--runtime-image=registry.example/sluice-runtime:1.2.3');
  });

  it('an existing NATS: no StatefulSet, its URL handed to the operator for the pods and to provision', async () => {
    const objs = await render({ nats: { enabled: false }, bus: { nats: { url: 'nats://nats.messaging:4222' } } });
    expect(objs.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'nats')).toEqual([]);
    expect(container(one<Workload>(objs, 'Deployment'), 'operator').args).toEqual(
      expect.arrayContaining(['--bus-url=nats://nats.messaging:4222', '--nats-url=nats://nats.messaging:4222']),
    );
  });

  it('three NATS servers: clustered JetStream with routes to each, a PodDisruptionBudget', async () => {
    const objs = await render({ nats: { replicas: 3 } });
    const conf = one<K8sObject & { data: Record<string, string> }>(objs, 'ConfigMap', 'sluice-nats').data['nats.conf'] ?? '';
    for (const i of [0, 1, 2]) expect(conf).toContain(`nats://sluice-nats-${i}.sluice-nats-headless.${NAMESPACE}.svc:6222`);
    expect(conf).not.toContain('sluice-nats-3.');
    const sts = one<Workload>(objs, 'StatefulSet');
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec).toMatchObject({ podManagementPolicy: 'Parallel', volumeClaimTemplates: [{ spec: { resources: { requests: { storage: '10Gi' } } } }] });
    expect(container(sts, 'nats').ports?.map((p) => p.name)).toEqual(['client', 'cluster', 'monitor']);
    expect(one(objs, 'PodDisruptionBudget', 'sluice-nats').spec).toMatchObject({ maxUnavailable: 1 });
    const single = one<K8sObject & { data: Record<string, string> }>(await render(), 'ConfigMap', 'sluice-nats').data['nats.conf'];
    expect(single).not.toContain('cluster {');
  });

  it('watchNamespace: a Role in that namespace instead of a ClusterRole, and --namespace', async () => {
    const objs = await render({ watchNamespace: 'shop' });
    expect(find(objs, 'ClusterRole')).toEqual([]);
    expect(find(objs, 'ClusterRoleBinding')).toEqual([]);
    expect(one(objs, 'Role', 'sluice-operator').metadata.namespace).toBe('shop');
    expect(one(objs, 'RoleBinding', 'sluice-operator')).toMatchObject({
      metadata: { namespace: 'shop' },
      subjects: [{ kind: 'ServiceAccount', name: 'sluice-operator', namespace: NAMESPACE }],
    });
    expect(container(one<Workload>(objs, 'Deployment'), 'operator').args).toContain('--namespace=shop');
  });

  it('every option on: ServiceMonitor, PodMonitor, PrometheusRule, dashboard and NetworkPolicies', async () => {
    const objs = await render({ ...ALL_ON, watchNamespace: 'shop' });
    const sm = one<K8sObject & { spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] } }>(objs, 'ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    const svc = one<K8sObject & { metadata: { labels: Record<string, string> } }>(objs, 'Service', 'sluice-operator-metrics');
    expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    expect(sm.spec.endpoints.map((e) => e.port)).toEqual(['metrics']);
    expect(one(objs, 'PodMonitor').spec).toMatchObject({ namespaceSelector: { matchNames: ['shop'] }, podMetricsEndpoints: [{ port: 'http', path: '/metrics' }] });
    expect(one(objs, 'PrometheusRule').apiVersion).toBe('monitoring.coreos.com/v1');
    const dash = one<K8sObject & { data: Record<string, string> }>(objs, 'ConfigMap', 'sluice-dashboard');
    expect(dash.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect((JSON.parse(dash.data['sluice.json'] ?? '') as { uid: string }).uid).toBe('sluice-overview');
    expect(find(objs, 'NetworkPolicy').map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual(
      [`${NAMESPACE}/sluice-nats`, `${NAMESPACE}/sluice-operator`, 'shop/sluice-ingest'].sort(),
    );
  });

  it('the operator NetworkPolicy lets it reach the API server, NATS and DNS only', async () => {
    const objs = await render(ALL_ON);
    const np = one<K8sObject & { spec: { policyTypes: string[]; egress: { ports: { port: number }[]; to?: unknown[] }[] } }>(objs, 'NetworkPolicy', 'sluice-operator');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.egress.map((e) => e.ports.map((p) => p.port))).toEqual([[443, 6443], [4222], [53, 53]]);
    expect(np.spec.egress[0]?.to).toEqual([{ ipBlock: { cidr: '10.0.0.1/32' } }]);
    expect(np.spec.egress[1]?.to).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'sluice', 'app.kubernetes.io/instance': 'sluice', 'app.kubernetes.io/component': 'nats' } } }]);
  });

  it('the ingest NetworkPolicy opens port 8080 to the configured peers only', async () => {
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'edge' } } }];
    const objs = await render({ networkPolicy: { enabled: true, ingest: { namespaces: ['shop', 'blog'], from } } });
    const policies = find(objs, 'NetworkPolicy', 'sluice-ingest') as (K8sObject & { spec: { podSelector: unknown; ingress: unknown[] } })[];
    expect(policies.map((p) => p.metadata.namespace)).toEqual(['shop', 'blog']);
    for (const p of policies) {
      expect(p.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/part-of': 'sluice', 'app.kubernetes.io/managed-by': 'sluice-operator', 'app.kubernetes.io/component': 'ingest' } });
      expect(p.spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }], from }]);
    }
  });
});

describe('refused values', () => {
  it.each([
    ['replicas=-1', "at '/replicas': minimum: got -1, want 1"],
    ['replicas=two', "at '/replicas': got string, want integer"],
    ['nats.replicas=2', "at '/nats/replicas': value must be one of 1, 3"],
    ['logLevel=verbose', "at '/logLevel': value must be one of"],
    ['image.pullPolicy=Sometimes', "at '/image/pullPolicy': value must be one of"],
    ['replica=2', "additional properties 'replica' not allowed"],
    ['bus.nats.url=http://nats:4222', "at '/bus/nats/url'"],
    ['networkPolicy.apiServer.ports[0]=0', "at '/networkPolicy/apiServer/ports/0': minimum"],
    ['prometheusRule.deliveryFailing.threshold=2', "at '/prometheusRule/deliveryFailing/threshold': maximum"],
    ['watchNamespace=Shop_NS', "at '/watchNamespace'"],
    ['nats.jetstream.storage.size=ten', "at '/nats/jetstream/storage/size'"],
  ])('%s', async (set, message) => {
    const r = await template({}, ['--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(message);
  });

  it.each([
    [{ nats: { enabled: true }, bus: { nats: { url: 'nats://elsewhere:4222' } } }, 'set either nats.enabled (the chart deploys NATS) or bus.nats.url (an existing NATS), not both'],
    [{ nats: { enabled: false } }, 'no NATS to use: set nats.enabled=true'],
    [{ leaderElection: { enabled: false } }, 'leaderElection.enabled=false needs replicas: 1'],
    [{ metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } }, 'metrics.serviceMonitor.enabled needs metrics.service.enabled'],
  ])('contradictory values: %j', async (values, message) => {
    const r = await template(values);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});

describe('CRDs', () => {
  it('the chart carries exactly crds/ (make chart-crds)', () => {
    const chartCrds = join(chartDir, 'crds');
    const generated = join(repoRoot, 'crds');
    const names = readdirSync(generated).filter((f) => f.endsWith('.yaml')).sort();
    expect(readdirSync(chartCrds).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(chartCrds, n), 'utf8'), `${n} differs: run make chart-crds`).toBe(readFileSync(join(generated, n), 'utf8'));
  });

  it('are rendered by --include-crds', async () => {
    const objs = await render({}, ['--include-crds']);
    expect(find(objs, 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual(['destinations.sluice.dev', 'sources.sluice.dev', 'trackingplans.sluice.dev']);
  });
});
