// `sluice operator` as real processes against a real control plane: leader election between
// two instances, a restart in the middle of work, and the least-privilege RBAC the chart ships.
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Source } from '../../operator/src/api/index.ts';
import { Resources, type KubeEvent, type KubeList, type KubeObject } from '../../operator/src/kube/index.ts';
import { LEASE_RULES, OPERATOR_RULES } from '../../operator/src/rbac.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { apiWrites, metricSum, REPO_ROOT, spawnOperator, startOperatorEnv, type OperatorEnv, type OperatorProcess } from './env.ts';

let env: OperatorEnv;
const running = new Set<OperatorProcess>();

beforeAll(async () => {
  env = await startOperatorEnv();
}, 300_000);
afterAll(async () => {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
  await env?.stop();
}, 60_000);

async function operator(identity: string, extra: string[] = [], kubeconfig = env.cp.kubeconfig): Promise<OperatorProcess> {
  const p = await spawnOperator(kubeconfig, identity, extra);
  running.add(p);
  void p.exited.then(() => running.delete(p));
  return p;
}

const leading = async (p: OperatorProcess) => metricSum(await p.metrics(), 'sluice_operator_leader') === 1;

const sources = (names: string[], replicas = 2) =>
  names.flatMap((n) => [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${n}-key` }, stringData: { writeKey: `wk-${n}` } },
    { apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name: n }, spec: { writeKeys: [{ secretRef: { name: `${n}-key` } }], replicas } },
  ]);

const isReady = (s: Source) => s.status?.observedGeneration === s.metadata.generation && s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

async function readySources(ns: string): Promise<Source[]> {
  return (await env.client.resource(Resources.sources).list({ namespace: ns })).items.filter(isReady);
}

const versions = async (ns: string, what: string) =>
  new Map(((await env.get<KubeList<{ metadata: { name: string; resourceVersion: string } }>>(ns, what))?.items ?? []).map((o) => [o.metadata.name, o.metadata.resourceVersion]));

const generations = async (ns: string, what: string) =>
  new Map(((await env.get<KubeList<KubeObject>>(ns, what))?.items ?? []).map((o) => [o.metadata.name, o.metadata.generation ?? 0]));

interface Snapshot {
  /** Sources Ready at their current generation. */
  ready: Set<string>;
  sources: Map<string, string>;
  configMaps: Map<string, string>;
  services: Map<string, string>;
  /** Name → metadata.generation: kube-controller-manager writes their status, so resourceVersions move anyway. */
  pdbs: Map<string, number>;
  deployments: Map<string, number>;
  /** "Kind/name reason" → how many times it was recorded (Events, with their series counts). */
  events: Map<string, number>;
}

async function snapshot(ns: string): Promise<Snapshot> {
  const events = new Map<string, number>();
  for (const e of (await env.get<KubeList<KubeEvent>>(ns, 'events.events.k8s.io'))?.items ?? []) {
    if (e.reportingController !== 'sluice.dev/operator') continue;
    const key = `${e.regarding.kind ?? '?'}/${e.regarding.name ?? '?'} ${e.reason}`;
    events.set(key, (events.get(key) ?? 0) + (e.series?.count ?? 1));
  }
  return {
    ready: new Set((await readySources(ns)).map((s) => s.metadata.name)),
    sources: await versions(ns, 'sources'),
    configMaps: await versions(ns, 'configmaps -l app.kubernetes.io/managed-by=sluice-operator'),
    services: await versions(ns, 'services'),
    pdbs: await generations(ns, 'pdb'),
    deployments: await generations(ns, 'deployments'),
    events,
  };
}

const leaseHolder = async (name: string) =>
  (JSON.parse(await env.cp.kubectlOk(['get', 'lease', '-n', 'default', name, '-o', 'json'])) as { spec: { holderIdentity?: string } }).spec.holderIdentity;

describe('sluice operator processes', () => {
  it('two instances: exactly one leads; when it stops, the other takes over within 20 s and reconciles', async () => {
    const ns = await env.namespace('leader');
    const a = await operator('op-a');
    const b = await operator('op-b');
    await waitFor(async () => (await leading(a)) || (await leading(b)), { timeoutMs: 20_000, what: 'a leader' });
    const [leader, follower] = (await leading(a)) ? [a, b] : [b, a];
    expect(await leaseHolder('sluice-operator')).toBe(leader.identity);
    // Both are ready (warm caches) but only the leader reconciles.
    expect((await fetch(`http://127.0.0.1:${follower.healthPort}/readyz`)).status).toBe(200);
    await env.apply(ns, sources(['first'], 1));
    await waitFor(async () => (await readySources(ns)).length === 1, { timeoutMs: 30_000, what: 'the leader to reconcile' });
    for (let i = 0; i < 10; i++) {
      expect([await leading(a), await leading(b)].filter(Boolean)).toHaveLength(1);
      await sleep(200);
    }
    expect(metricSum(await follower.metrics(), 'sluice_operator_reconciles_total')).toBe(0);
    expect(metricSum(await leader.metrics(), 'sluice_operator_reconciles_total', { controller: 'source' })).toBeGreaterThan(0);

    const t0 = Date.now();
    expect(await leader.stop('SIGTERM')).toBe(0);
    await waitFor(() => leading(follower), { timeoutMs: 20_000, what: 'the follower to take over' });
    expect(Date.now() - t0).toBeLessThan(20_000);
    await env.apply(ns, sources(['second'], 1));
    await waitFor(async () => (await readySources(ns)).length === 2, { timeoutMs: 30_000, what: 'the new leader to reconcile' });
    expect(await leaseHolder('sluice-operator')).toBe(follower.identity);
    expect(await follower.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('a killed leader (SIGKILL) keeps the Lease until it expires; then the other takes over within 20 s and reconciles', async () => {
    const ns = await env.namespace('crash');
    const lease = 'sluice-operator-crash';
    const a = await operator('op-crash-a', [`--lease-name=${lease}`]);
    const b = await operator('op-crash-b', [`--lease-name=${lease}`]);
    await waitFor(async () => (await leading(a)) || (await leading(b)), { timeoutMs: 20_000, what: 'a leader' });
    const [leader, follower] = (await leading(a)) ? [a, b] : [b, a];
    expect(await leaseHolder(lease)).toBe(leader.identity);

    const t0 = Date.now();
    expect(await leader.stop('SIGKILL')).toBeNull();
    await env.apply(ns, sources(['orphan'], 1));
    // Nobody released the Lease: the follower must wait out its 15 s, and meanwhile nobody reconciles.
    await sleep(5_000);
    expect(await leading(follower)).toBe(false);
    expect(await leaseHolder(lease)).toBe(leader.identity);
    expect((await env.get<Source>(ns, 'source orphan'))?.status).toBeUndefined();
    await waitFor(() => leading(follower), { timeoutMs: 20_000, intervalMs: 100, what: 'the follower to take over', detail: () => follower.output() });
    const took = Date.now() - t0;
    expect(took, 'took over before the Lease expired').toBeGreaterThanOrEqual(12_000);
    expect(took).toBeLessThan(20_000);
    expect(await leaseHolder(lease)).toBe(follower.identity);
    await waitFor(async () => (await readySources(ns)).length === 1, { timeoutMs: 30_000, what: 'the new leader to reconcile' });
    expect(await follower.stop('SIGTERM')).toBe(0);
  }, 120_000);

  it('restarted mid-way through many Sources: converges without redoing finished work, and a restart over a converged cluster writes nothing', async () => {
    const ns = await env.namespace('restart');
    const names = Array.from({ length: 40 }, (_, i) => `s${i}`);
    await env.apply(ns, sources(names));
    // One worker, killed as soon as a few Sources are Ready: the rest are half done or untouched.
    const a = await operator('op-restart-a', ['--leader-elect=false', `--namespace=${ns}`, '--workers=1']);
    await waitFor(async () => (await readySources(ns)).length >= 3, {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: 'the first instance half-way',
    });
    await a.stop('SIGKILL');

    const before = await snapshot(ns);
    const readyBefore = names.filter((n) => before.ready.has(n));
    expect(readyBefore.length, 'Sources finished before the kill').toBeGreaterThan(0);
    expect(readyBefore.length, 'Sources finished before the kill').toBeLessThan(names.length);

    const b = await operator('op-restart-b', ['--leader-elect=false', `--namespace=${ns}`]);
    await waitFor(async () => (await readySources(ns)).length === names.length, { timeoutMs: 60_000, what: 'all Sources Ready after the restart', detail: () => b.output() });
    const after = await snapshot(ns);
    for (const n of readyBefore) expect(after.sources.get(n), `Source ${n} rewritten`).toBe(before.sources.get(n));
    for (const [kind, was, now] of [['ConfigMap', before.configMaps, after.configMaps], ['Service', before.services, after.services]] as const) {
      for (const [name, version] of was) expect(now.get(name), `${kind} ${name} rewritten`).toBe(version);
      expect(now.size, `every ${kind}`).toBe(names.length);
    }
    // Created once with the final spec: a second generation would mean a needless rollout.
    for (const [kind, now] of [['Deployment', after.deployments], ['PodDisruptionBudget', after.pdbs]] as const) {
      expect(now.size, `every ${kind}`).toBe(names.length);
      for (const [name, generation] of now) expect(generation, `${kind} ${name} generation`).toBe(1);
    }
    // One Event per Ready transition: the new instance does not announce again what the first one did.
    expect(after.events.size).toBeGreaterThan(0);
    for (const [key, count] of after.events) expect(count, `Events ${key}`).toBe(1);

    const writesB = apiWrites(await b.metrics());
    // Each unfinished Source needs its finalizer, 4 children and 2 status writes at most.
    expect(writesB.PATCH).toBeLessThanOrEqual((names.length - readyBefore.length) * 7);
    expect(writesB.POST ?? 0).toBeLessThanOrEqual((names.length - readyBefore.length) * 2);
    await b.stop('SIGTERM');

    const c = await operator('op-restart-c', ['--leader-elect=false', `--namespace=${ns}`]);
    await waitFor(
      async () => metricSum(await c.metrics(), 'sluice_operator_reconciles_total', { controller: 'source' }) >= names.length,
      { timeoutMs: 30_000, what: 'every Source reconciled by the third instance' },
    );
    await sleep(1_000);
    const writesC = apiWrites(await c.metrics());
    expect(writesC).toEqual({ POST: 0, PUT: 0, PATCH: 0, DELETE: 0 });
    await c.stop('SIGTERM');
  }, 180_000);

  it('runs with exactly the RBAC rules the README lists: the quick start, scaling down and deletion all work', async () => {
    const ns = await env.namespace('rbac');
    const roles = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sluice-system' } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sluice-operator', namespace: 'sluice-system' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'sluice-operator' }, rules: OPERATOR_RULES },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'sluice-operator' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sluice-operator' },
        subjects: [{ kind: 'ServiceAccount', name: 'sluice-operator', namespace: 'sluice-system' }],
      },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'sluice-operator-lease', namespace: 'sluice-system' }, rules: LEASE_RULES },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'sluice-operator-lease', namespace: 'sluice-system' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'sluice-operator-lease' },
        subjects: [{ kind: 'ServiceAccount', name: 'sluice-operator', namespace: 'sluice-system' }],
      },
    ];
    await env.cp.kubectlOk(['apply', '-f', '-'], { input: roles.map((r) => stringify(r)).join('---\n') });
    const token = (await env.cp.kubectlOk(['create', 'token', 'sluice-operator', '-n', 'sluice-system', '--duration=1h'])).trim();
    const kubeconfig = join(env.cp.dir, 'operator-sa.kubeconfig');
    await writeFile(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server: env.cp.server, 'certificate-authority-data': Buffer.from(env.cp.ca).toString('base64') } }],
        users: [{ name: 'sluice-operator', user: { token } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user: 'sluice-operator', namespace: 'sluice-system' } }],
        'current-context': 'test',
      }),
      { mode: 0o600 },
    );
    const op = await operator('op-rbac', ['--lease-namespace=sluice-system'], kubeconfig);
    await env.cp.kubectlOk(['apply', '-n', ns, '-f', join(REPO_ROOT, 'examples/quickstart')]);
    const r = await env.cp.kubectl(['wait', '-n', ns, '--for=condition=Ready', 'source/web', 'destination/webhook', 'trackingplan/storefront', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(r.code, `${r.stderr}\n${op.output()}`).toBe(0);
    await env.cp.kubectlOk(['patch', '-n', ns, 'source', 'web', '--type=merge', '-p', '{"spec":{"replicas":1}}']);
    await waitFor(async () => (await env.get(ns, 'pdb web-ingest')) === undefined, { timeoutMs: 20_000, what: 'the PodDisruptionBudget deleted', detail: () => op.output() });
    const del = await env.cp.kubectl(['delete', '-n', ns, 'source/web', 'destination/webhook', '--timeout=30s'], { timeoutMs: 40_000 });
    expect(del.code, `${del.stderr}\n${op.output()}`).toBe(0);
    const events = JSON.parse(await env.cp.kubectlOk(['get', 'events.events.k8s.io', '-n', ns, '-o', 'json'])) as { items: { reportingController: string }[] };
    expect(events.items.some((e) => e.reportingController === 'sluice.dev/operator')).toBe(true);
    expect(op.output()).not.toMatch(/forbidden/i);
    expect(await op.stop('SIGTERM')).toBe(0);
  }, 150_000);
});
