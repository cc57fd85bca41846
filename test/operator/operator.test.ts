// The operator against a real kube-apiserver and kube-controller-manager: the quick start
// becomes Ready with the right children, changes roll pods, missing references recover by
// themselves, bad specs stall with the exact error, and deletion cascades.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination, Source, TrackingPlan } from '../../operator/src/api/index.ts';
import type { ConfigMap, Deployment, KubeEvent, KubeList } from '../../operator/src/kube/index.ts';
import type { Operator } from '../../operator/src/main.ts';
import { parseRendered } from '../../runtime/src/cluster/rendered.ts';
import { waitFor } from '../support/wait.ts';
import { REPO_ROOT, runOperator, startOperatorEnv, type OperatorEnv } from './env.ts';

let env: OperatorEnv;
let operator: Operator;

beforeAll(async () => {
  env = await startOperatorEnv();
  operator = await runOperator(env);
}, 300_000);
afterAll(async () => {
  await operator?.stop();
  await env?.stop();
}, 60_000);

const condition = (obj: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } } | undefined, type: string) =>
  obj?.status?.conditions?.find((c) => c.type === type);

async function quickstart(prefix: string): Promise<string> {
  const ns = await env.namespace(prefix);
  await env.cp.kubectlOk(['apply', '-n', ns, '-f', join(REPO_ROOT, 'examples/quickstart')]);
  return ns;
}

async function waitReady(ns: string, ...objects: string[]): Promise<void> {
  const r = await env.cp.kubectl(['wait', '-n', ns, '--for=condition=Ready', ...objects, '--timeout=60s'], { timeoutMs: 70_000 });
  expect(r.code, `${r.stderr}\n${(await env.cp.kubectl(['get', 'sluice', '-n', ns, '-o', 'yaml'])).stdout}`).toBe(0);
}

/** Waits for the Ready condition of `what` to have this status and reason; returns the object. */
async function waitCondition<T extends { status?: unknown }>(ns: string, what: string, status: string, reason: string, type = 'Ready'): Promise<T> {
  return waitFor(
    async () => {
      const obj = await env.get<T>(ns, what);
      const c = condition(obj as Parameters<typeof condition>[0], type);
      return c?.status === status && c.reason === reason ? obj : undefined;
    },
    { timeoutMs: 30_000, what: `${what} ${type}=${status} (${reason})`, detail: () => '' },
  );
}

const events = async (ns: string) => (await env.get<KubeList<KubeEvent>>(ns, 'events.events.k8s.io'))?.items ?? [];

describe('the operator on a real control plane', () => {
  it('makes the quick start Ready, with restricted, owned, labelled children', async () => {
    const ns = await quickstart('quickstart');
    await waitReady(ns, 'source/web', 'destination/webhook', 'trackingplan/storefront');

    const src = (await env.get<Source>(ns, 'source web'))!;
    expect(src.metadata.finalizers).toEqual(['sluice.dev/cleanup']);
    expect(src.status).toMatchObject({ observedGeneration: 1, endpoint: `http://web.${ns}.svc:80/v1`, readyReplicas: 0 });
    expect(src.status?.conditions?.map((c) => `${c.type}=${c.status}:${c.reason}`).sort()).toEqual([
      'Available=False:PodsNotReady',
      'Ready=True:Deployed',
      'Reconciling=False:Deployed',
      'Stalled=False:Deployed',
    ]);
    const plan = (await env.get<TrackingPlan>(ns, 'trackingplan storefront'))!;
    expect(plan.status).toMatchObject({ observedGeneration: 1, eventCount: 3, sources: ['web'] });
    expect(plan.status?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const dst = (await env.get<Destination>(ns, 'destination webhook'))!;
    expect(condition(dst, 'Ready')).toMatchObject({ status: 'True', reason: 'Deployed' });

    const labels = (instance: string, component: string) => ({
      'app.kubernetes.io/name': 'sluice',
      'app.kubernetes.io/instance': instance,
      'app.kubernetes.io/component': component,
      'app.kubernetes.io/part-of': 'sluice',
      'app.kubernetes.io/managed-by': 'sluice-operator',
    });
    const ownedBy = (o: { metadata: { uid?: string; name: string } }, kind: string) => [
      { apiVersion: 'sluice.dev/v1alpha1', kind, name: o.metadata.name, uid: o.metadata.uid, controller: true, blockOwnerDeletion: true },
    ];

    const ingest = (await env.get<Deployment>(ns, 'deployment web-ingest'))!;
    expect(ingest.metadata.labels).toEqual(labels('web', 'ingest'));
    expect(ingest.metadata.ownerReferences).toEqual(ownedBy(src, 'Source'));
    expect(ingest.spec).toMatchObject({ replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    const pod = ingest.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(c.resources).toMatchObject({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(c.args).toEqual(['ingest', '--config', '/etc/sluice/config/config.json', '--secrets-dir', '/etc/sluice/secrets', '--bus', 'nats://sluice-nats:4222', '--port', '8080']);
    expect(pod.volumes?.find((v) => v.secret)?.secret?.secretName).toBe('web-write-key');
    expect(ingest.spec!.template.metadata?.annotations?.['sluice.dev/config-digest']).toMatch(/^[0-9a-f]{32}$/);

    const deliver = (await env.get<Deployment>(ns, 'deployment webhook-deliver'))!;
    expect(deliver.metadata.labels).toEqual(labels('webhook', 'deliver'));
    expect(deliver.metadata.ownerReferences).toEqual(ownedBy(dst, 'Destination'));
    expect(deliver.spec?.replicas).toBe(1);
    expect(deliver.spec!.template.spec!.automountServiceAccountToken).toBe(false);
    expect(deliver.spec!.template.spec!.containers[0]!.args?.[0]).toBe('deliver');

    const service = await env.get<{ metadata: { ownerReferences: unknown }; spec: { ports: unknown } }>(ns, 'service web');
    expect(service?.metadata.ownerReferences).toEqual(ownedBy(src, 'Source'));
    expect(service?.spec.ports).toMatchObject([{ name: 'http', port: 80, targetPort: 'http' }]);
    const pdb = await env.get<{ metadata: { ownerReferences: unknown }; spec: unknown }>(ns, 'pdb web-ingest');
    expect(pdb?.metadata.ownerReferences).toEqual(ownedBy(src, 'Source'));
    expect(pdb?.spec).toMatchObject({ maxUnavailable: 1 });

    const cm = (await env.get<ConfigMap>(ns, 'configmap web-ingest'))!;
    expect(cm.metadata.ownerReferences).toEqual(ownedBy(src, 'Source'));
    const rendered = parseRendered(cm.data!['config.json']!);
    expect(rendered.sources[0]).toMatchObject({ name: 'web', plan: { name: 'storefront' }, writeKeys: [{ secret: 'web-write-key', key: 'writeKey' }] });
    // Secret values never leave their Secret.
    expect(JSON.stringify(cm)).not.toContain('quickstart-write-key');
    expect(JSON.stringify(ingest)).not.toContain('quickstart-write-key');

    const managed = JSON.parse(await env.cp.kubectlOk(['get', '-n', ns, 'deployment', 'web-ingest', '-o', 'json', '--show-managed-fields'])) as {
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    expect(managed.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'sluice-operator', operation: 'Apply' }));
    const listed = await env.cp.kubectlOk(['get', 'sluice', '-n', ns]);
    expect(listed).toMatch(/source\.sluice\.dev\/web\s+True\s+Deployed/);
    expect(listed).toMatch(/trackingplan\.sluice\.dev\/storefront\s+True\s+Compiled\s+3/);
  });

  it('rolls the ingest pods when the plan changes: new ConfigMap, new pod template digest, a new ReplicaSet', async () => {
    const ns = await quickstart('roll');
    await waitReady(ns, 'source/web');
    const before = (await env.get<Deployment>(ns, 'deployment web-ingest'))!;
    const digest = before.spec!.template.metadata!.annotations!['sluice.dev/config-digest'];
    const config = (await env.get<ConfigMap>(ns, 'configmap web-ingest'))!.data!['config.json'];
    await env.cp.kubectlOk(['patch', '-n', ns, 'trackingplan', 'storefront', '--type=json', '-p', '[{"op":"add","path":"/spec/events/-","value":{"name":"Cart Viewed"}}]']);

    await waitFor(async () => (await env.get<TrackingPlan>(ns, 'trackingplan storefront'))?.status?.eventCount === 4, { timeoutMs: 20_000, what: 'the plan to count 4 events' });
    const cm = await waitFor(async () => {
      const c = await env.get<ConfigMap>(ns, 'configmap web-ingest');
      return c?.data?.['config.json'] !== config ? c : undefined;
    }, { timeoutMs: 20_000, what: 'the ConfigMap to change' });
    expect(parseRendered(cm.data!['config.json']!).sources[0]?.plan?.spec.events?.map((e) => e.name)).toContain('Cart Viewed');
    const after = await waitFor(async () => {
      const d = await env.get<Deployment>(ns, 'deployment web-ingest');
      return d?.spec?.template.metadata?.annotations?.['sluice.dev/config-digest'] !== digest ? d : undefined;
    }, { timeoutMs: 20_000, what: 'the pod template digest to change' });
    expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation!);
    await waitFor(
      async () => ((await env.get<KubeList<unknown>>(ns, 'replicasets -l app.kubernetes.io/instance=web,app.kubernetes.io/component=ingest'))?.items.length ?? 0) >= 2,
      { timeoutMs: 30_000, what: 'a second ReplicaSet (the rollout)' },
    );
    await waitReady(ns, 'source/web');
  });

  it('waits for a missing or incomplete write-key Secret, names it, and recovers when it appears; a new key value rolls the pods', async () => {
    const ns = await env.namespace('late-secret');
    await env.apply(ns, [
      { apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name: 'app' }, spec: { writeKeys: [{ secretRef: { name: 'app-key' } }], replicas: 1 } },
    ]);
    const missing = await waitCondition<Source>(ns, 'source app', 'False', 'SecretNotFound');
    expect(condition(missing, 'Ready')?.message).toBe('Secret app-key not found');
    expect(condition(missing, 'Reconciling')?.status).toBe('True');
    expect(condition(missing, 'Stalled')?.status).toBe('False');
    expect(await env.get(ns, 'deployment app-ingest')).toBeUndefined();

    await env.apply(ns, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-key' }, stringData: { other: 'x' } }]);
    const noKey = await waitFor(async () => {
      const s = await env.get<Source>(ns, 'source app');
      return condition(s, 'Ready')?.message === 'Secret app-key has no key writeKey' ? s : undefined;
    }, { timeoutMs: 20_000, what: 'the missing key to be named' });
    expect(condition(noKey, 'Ready')?.reason).toBe('SecretNotFound');

    await env.apply(ns, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-key' }, stringData: { other: 'x', writeKey: 'wk_1' } }]);
    await waitReady(ns, 'source/app');
    const first = (await env.get<Deployment>(ns, 'deployment app-ingest'))!;
    expect(first.spec?.replicas).toBe(1);
    expect(await env.get(ns, 'pdb app-ingest')).toBeUndefined();
    const warnings = (await events(ns)).filter((e) => e.regarding.name === 'app' && e.type === 'Warning').map((e) => e.reason);
    expect(warnings).toContain('SecretNotFound');

    const config = (await env.get<ConfigMap>(ns, 'configmap app-ingest'))!.data!['config.json'];
    await env.apply(ns, [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-key' }, stringData: { other: 'x', writeKey: 'wk_2' } }]);
    await waitFor(async () => {
      const d = await env.get<Deployment>(ns, 'deployment app-ingest');
      const digest = (x: Deployment | undefined) => x?.spec?.template.metadata?.annotations?.['sluice.dev/config-digest'];
      return digest(d) !== digest(first);
    }, { timeoutMs: 20_000, what: 'a rotated write key to roll the pods' });
    expect((await env.get<ConfigMap>(ns, 'configmap app-ingest'))!.data!['config.json']).toBe(config);
  });

  it('stalls a plan whose schema does not compile, naming the event and the error; its Sources wait, and both recover when fixed', async () => {
    const ns = await env.namespace('bad-plan');
    const plan = (type: string) => ({
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'TrackingPlan',
      metadata: { name: 'store' },
      spec: { events: [{ name: 'Order Completed', properties: { type: 'object', properties: { revenue: { type } } } }] },
    });
    await env.apply(ns, [
      plan('nmber'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-key' }, stringData: { writeKey: 'wk' } },
      { apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name: 'web' }, spec: { trackingPlanRef: { name: 'store' }, writeKeys: [{ secretRef: { name: 'web-key' } }] } },
    ]);
    const r = await env.cp.kubectl(['wait', '-n', ns, '--for=condition=Stalled', 'trackingplan/store', '--timeout=30s'], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const stalled = (await env.get<TrackingPlan>(ns, 'trackingplan store'))!;
    expect(condition(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSchema' });
    expect(condition(stalled, 'Stalled')?.message).toContain('"Order Completed"');
    expect(condition(stalled, 'Stalled')?.message).toContain('#/properties/revenue/type');
    expect(stalled.status?.observedGeneration).toBe(1);
    const src = await waitCondition<Source>(ns, 'source web', 'False', 'TrackingPlanInvalid');
    expect(condition(src, 'Ready')?.message).toContain('TrackingPlan store does not compile');
    expect(await env.get(ns, 'deployment web-ingest')).toBeUndefined();

    await env.apply(ns, [plan('number')]);
    await waitReady(ns, 'trackingplan/store', 'source/web');
    expect((await env.get<TrackingPlan>(ns, 'trackingplan store'))?.status).toMatchObject({ observedGeneration: 2, eventCount: 1, sources: ['web'] });
  });

  it('stalls a Destination whose CEL filter does not parse before deploying anything, and deploys once it is fixed', async () => {
    const ns = await quickstart('bad-cel');
    await waitReady(ns, 'source/web');
    const dest = (filter: string) => ({
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'Destination',
      metadata: { name: 'orders' },
      spec: { sources: [{ name: 'web' }], type: 'webhook', settings: { url: 'http://receiver/events' }, filter },
    });
    await env.apply(ns, [dest('type == "track" && event in ["Order Completed"')]);
    const r = await env.cp.kubectl(['wait', '-n', ns, '--for=condition=Stalled', 'destination/orders', '--timeout=30s'], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const stalled = (await env.get<Destination>(ns, 'destination orders'))!;
    expect(condition(stalled, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(condition(stalled, 'Stalled')?.message).toMatch(/^filter: /);
    expect(await env.get(ns, 'deployment orders-deliver')).toBeUndefined();
    expect(await env.get(ns, 'configmap orders-deliver')).toBeUndefined();

    await env.apply(ns, [dest('type == "track" && event in ["Order Completed"]')]);
    await waitReady(ns, 'destination/orders');
    expect(await env.get(ns, 'deployment orders-deliver')).toBeDefined();
  });

  it('follows replicas: a PodDisruptionBudget only while more than one pod runs', async () => {
    const ns = await quickstart('replicas');
    await waitReady(ns, 'source/web');
    expect(await env.get(ns, 'pdb web-ingest')).toBeDefined();
    await env.cp.kubectlOk(['patch', '-n', ns, 'source', 'web', '--type=merge', '-p', '{"spec":{"replicas":1}}']);
    await waitFor(async () => (await env.get(ns, 'pdb web-ingest')) === undefined, { timeoutMs: 20_000, what: 'the PodDisruptionBudget to go' });
    expect((await env.get<Deployment>(ns, 'deployment web-ingest'))?.spec?.replicas).toBe(1);
    await env.cp.kubectlOk(['patch', '-n', ns, 'source', 'web', '--type=merge', '-p', '{"spec":{"replicas":3}}']);
    await waitFor(async () => (await env.get(ns, 'pdb web-ingest')) !== undefined, { timeoutMs: 20_000, what: 'the PodDisruptionBudget to return' });
    await waitFor(async () => (await env.get<Source>(ns, 'source web'))?.status?.observedGeneration === 3, { timeoutMs: 20_000, what: 'generation 3 observed' });
  });

  // Last: kube-controller-manager's garbage collector learns about CRDs installed after it
  // started only on its ~30 s discovery resync, so this needs the control plane to be up a while.
  it('deletes the children of a deleted Source and Destination (garbage collector), releasing the cleanup finalizer', async () => {
    const ns = await quickstart('gc');
    await waitReady(ns, 'source/web', 'destination/webhook');
    const del = await env.cp.kubectl(['delete', '-n', ns, 'source/web', 'destination/webhook', '--wait=true', '--timeout=30s'], { timeoutMs: 40_000 });
    expect(del.code, del.stderr).toBe(0);
    for (const child of ['deployment web-ingest', 'configmap web-ingest', 'service web', 'pdb web-ingest', 'deployment webhook-deliver', 'configmap webhook-deliver']) {
      await waitFor(async () => (await env.get(ns, child)) === undefined, { timeoutMs: 90_000, what: `${child} to be garbage-collected` });
    }
    const plan = await waitFor(async () => {
      const p = await env.get<TrackingPlan>(ns, 'trackingplan storefront');
      return p?.status?.sources?.length === 0 ? p : undefined;
    }, { timeoutMs: 20_000, what: 'the plan to list no Sources' });
    expect(condition(plan, 'Ready')?.status).toBe('True');
  }, 150_000);
});
