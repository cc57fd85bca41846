import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  addFinalizer,
  apply,
  applyIfChanged,
  applyIntent,
  EventRecorder,
  FIELD_MANAGER,
  KubeClient,
  ownerReference,
  progressing,
  ready,
  Redactor,
  removeFinalizer,
  Resources,
  setSummary,
  updateStatus,
  type KubeEvent,
} from '../../operator/src/kube/index.ts';
import type { SourceStatus } from '../../operator/src/api/index.ts';
import { eventually, type KubeEnv } from './env.ts';
import { configMap, source } from './objects.ts';

const managers = (o: { metadata: { managedFields?: unknown[] } }) =>
  (o.metadata.managedFields ?? []).map((m) => (m as { manager: string; operation: string }).manager + ':' + (m as { operation: string }).operation);

export function writeSuite(env: () => KubeEnv): void {
  describe('server-side apply', () => {
    it('creates and updates as the one field manager, and force takes over fields another manager set', async () => {
      const ns = await env().namespace('ssa');
      const cms = env().client.resource(Resources.configMaps);
      const created = await apply(cms, configMap(ns, 'cfg', { a: '1' }));
      expect(managers(created)).toEqual([`${FIELD_MANAGER}:Apply`]);
      const updated = await apply(cms, configMap(ns, 'cfg', { a: '2' }));
      expect(updated.data).toEqual({ a: '2' });
      expect(updated.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);

      await cms.apply(configMap(ns, 'cfg', { a: 'by-hand' }), { fieldManager: 'kubectl', force: true });
      await expect(cms.apply(applyIntent(configMap(ns, 'cfg', { a: '3' })), { fieldManager: FIELD_MANAGER, force: false })).rejects.toMatchObject({
        status: 409,
        reason: 'Conflict',
      });
      const forced = await apply(cms, configMap(ns, 'cfg', { a: '3' }));
      expect(forced.data).toEqual({ a: '3' });
      const again = await apply(cms, configMap(ns, 'cfg', { a: '3' }));
      expect(again.metadata.resourceVersion).toBe(forced.metadata.resourceVersion);
    });

    it('applyIfChanged skips the request when the cached child carries the same intent', async () => {
      const ns = await env().namespace('ssa-skip');
      const registry = new Registry();
      const client = new KubeClient(env().client.config, { registry });
      const cms = client.resource(Resources.configMaps);
      let requests = 0;
      client.transport.observe(() => requests++);
      const first = await applyIfChanged(cms, configMap(ns, 'cfg', { a: '1' }), undefined);
      expect(first.applied).toBe(true);
      const before = requests;
      const second = await applyIfChanged(cms, configMap(ns, 'cfg', { a: '1' }), first.object);
      expect(second).toEqual({ applied: false, object: first.object });
      expect(requests).toBe(before);
      const third = await applyIfChanged(cms, configMap(ns, 'cfg', { a: '2' }), first.object);
      expect(third.applied).toBe(true);
      expect(third.object.data).toEqual({ a: '2' });
      // Two applies reached the server: the create (201) and the change (200).
      const metrics = await registry.metrics();
      expect(metrics).toContain('sluice_operator_api_requests_total{method="PATCH",code="201"} 1');
      expect(metrics).toContain('sluice_operator_api_requests_total{method="PATCH",code="200"} 1');
    });

    // A built-in owner kind: kube-controller-manager's garbage collector learns about CRDs
    // installed after it started only on its 30 s discovery resync.
    it('a child with ownerReference(owner) is garbage-collected with its owner', async () => {
      const ns = await env().namespace('gc');
      const cms = env().client.resource(Resources.configMaps);
      const owner = await apply(cms, configMap(ns, 'owner', { a: '1' }));
      await apply(cms, configMap(ns, 'child', { a: '1' }, { ownerReferences: [ownerReference(owner)] }));
      expect((await cms.get('child', ns))?.metadata.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      await cms.delete('owner', ns);
      await eventually('the garbage collector to delete the child', async () => (await cms.get('child', ns)) === undefined, 30_000);
    });
  });

  describe('status', () => {
    it('is written with observedGeneration only when it differs, removes dropped fields, and refuses a stale base', async () => {
      const ns = await env().namespace('status');
      const sources = env().client.resource(Resources.sources);
      const src = await sources.create(source(ns, 'web'));
      const now = new Date('2026-01-01T00:00:00Z');
      const status: SourceStatus = {
        endpoint: `http://web.${ns}.svc`,
        conditions: setSummary(undefined, progressing('Deploying', 'waiting for 2 ingest pods'), src.metadata.generation, now),
      };
      const w1 = await updateStatus(sources, src, status);
      expect(w1.written).toBe(true);
      expect(w1.object.status).toMatchObject({ observedGeneration: 1, endpoint: status.endpoint });
      expect(w1.object.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=False', 'Reconciling=True', 'Stalled=False']);
      expect(w1.object.metadata.generation).toBe(1);

      const reordered = { ...status, conditions: [...status.conditions!].reverse() };
      const w2 = await updateStatus(sources, w1.object, reordered);
      expect(w2.written).toBe(false);
      expect((await sources.get('web', ns))?.metadata.resourceVersion).toBe(w1.object.metadata.resourceVersion);

      const w3 = await updateStatus(sources, w1.object, { conditions: setSummary(status.conditions, ready('Deployed', '2 pods ready'), 1, now) });
      expect(w3.written).toBe(true);
      expect(w3.object.status?.endpoint).toBeUndefined();
      const r = await env().cp.kubectl(['wait', '-n', ns, '--for=condition=Ready', 'source/web', '--timeout=10s']);
      expect(r.code, r.stderr).toBe(0);

      await sources.patch('web', ns, { type: 'merge', body: { spec: { replicas: 3 } } });
      await expect(updateStatus(sources, w3.object, { ...w3.object.status, received: 5 })).rejects.toMatchObject({ status: 409 });
      const fresh = (await sources.get('web', ns))!;
      const w4 = await updateStatus(sources, fresh, { ...fresh.status, received: 5 });
      expect(w4.object.status).toMatchObject({ observedGeneration: 2, received: 5 });
    });
  });

  describe('finalizers', () => {
    it('are added and removed under a resourceVersion guard, and hold deletion until removed', async () => {
      const ns = await env().namespace('fin');
      const sources = env().client.resource(Resources.sources);
      const F = 'sluice.dev/streams';
      const src = await sources.create(source(ns, 'web'));
      const withF = await addFinalizer(sources, src, F);
      expect(withF.metadata.finalizers).toEqual([F]);
      expect(await addFinalizer(sources, withF, F)).toBe(withF);
      await expect(addFinalizer(sources, src, 'sluice.dev/other')).rejects.toMatchObject({ status: 409 });

      await sources.delete('web', ns);
      const deleting = (await sources.get('web', ns))!;
      expect(deleting.metadata.deletionTimestamp).toBeTruthy();
      await expect(removeFinalizer(sources, withF, F)).rejects.toMatchObject({ status: 409 });
      await removeFinalizer(sources, deleting, F);
      await eventually('the object to go', async () => (await sources.get('web', ns)) === undefined);
    });
  });

  describe('events', () => {
    it('creates one Event per distinct event, folds repeats into its series, and never writes secret values', async () => {
      const ns = await env().namespace('events');
      const src = await env().client.resource(Resources.sources).create(source(ns, 'web'));
      const redactor = new Redactor();
      redactor.remember('wk_live_s3cr3t_value');
      const rec = new EventRecorder({ client: env().client, instance: 'op-0_1', redact: (t) => redactor.redact(t), flushMs: 0 });
      const warn = { type: 'Warning' as const, reason: 'WriteKeyRejected', action: 'Reconcile', note: 'write key wk_live_s3cr3t_value is not in Secret web-write-key' };
      for (let i = 0; i < 4; i++) rec.event(src, warn);
      rec.event(src, { type: 'Normal', reason: 'Deployed', action: 'Apply', note: 'ingest Deployment applied' });
      await rec.flush();
      const list = await env().client.resource(Resources.events).list({ namespace: ns, fieldSelector: `regarding.name=web` });
      const byReason = new Map<string, KubeEvent>(list.items.map((e) => [e.reason, e]));
      expect(list.items).toHaveLength(2);
      const w = byReason.get('WriteKeyRejected')!;
      expect(w).toMatchObject({
        type: 'Warning',
        action: 'Reconcile',
        reportingController: 'sluice.dev/operator',
        reportingInstance: 'op-0_1',
        regarding: { kind: 'Source', name: 'web', uid: src.metadata.uid },
        series: { count: 4 },
      });
      expect(w.note).toBe('write key [redacted] is not in Secret web-write-key');
      expect(JSON.stringify(list.items)).not.toContain('wk_live_s3cr3t_value');
      expect(byReason.get('Deployed')?.series).toBeUndefined();
      const described = await env().cp.kubectlOk(['describe', 'source', 'web', '-n', ns]);
      expect(described).toContain('WriteKeyRejected');
    });
  });
}
