import { afterEach, describe, expect, it } from 'vitest';
import { Informer, jsonLogger, Resources, type ConfigMap, type KubeClient } from '../../operator/src/kube/index.ts';
import { eventually, type KubeEnv } from './env.ts';
import { startFaultProxy, type FaultProxy } from './proxy.ts';

const LABEL = { 'sluice.dev/test': 'informer' };
const cm = (namespace: string, name: string, v: string, labels: Record<string, string> = LABEL): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
  data: { v },
});
const fastBackoff = { baseMs: 100, maxMs: 1_000, jitter: 0 };

export function informerSuite(env: () => KubeEnv): void {
  describe('Informer on a real API server', () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanup.splice(0).reverse()) await c();
    });
    const started = (client: KubeClient, namespace: string, opts: ConstructorParameters<typeof Informer<ConfigMap>>[1] = {}) => {
      const inf = new Informer(client.resource(Resources.configMaps), { namespace, labelSelector: 'sluice.dev/test=informer', resyncMs: 0, backoff: fastBackoff, ...opts });
      cleanup.push(() => inf.stop());
      inf.start();
      return inf;
    };

    it('lists, then sees adds, updates and deletes in order, and keeps only selected objects', async () => {
      const { client } = env();
      const ns = await env().namespace('inf');
      const cms = client.resource(Resources.configMaps);
      await cms.create(cm(ns, 'pre', '0'));
      await cms.create(cm(ns, 'unlabelled', '0', {}));
      const inf = started(client, ns);
      const seen: string[] = [];
      inf.addHandlers({
        onAdd: (o) => seen.push(`add ${o.metadata.name}`),
        onUpdate: (a, b) => seen.push(`update ${b.metadata.name} ${a.data?.v}->${b.data?.v}`),
        onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
      });
      await inf.waitForSync();
      expect(inf.hasSynced()).toBe(true);
      await cms.create(cm(ns, 'a', '1'));
      await cms.patch('a', ns, { type: 'merge', body: { data: { v: '2' } } });
      await cms.delete('a', ns);
      await eventually('the delete', () => seen.includes('delete a'));
      expect(seen).toEqual(['add pre', 'add a', 'update a 1->2', 'delete a']);
      expect(inf.cache.keys()).toEqual([`${ns}/pre`]);
      expect(inf.get(`${ns}/pre`)?.metadata.managedFields).toBeUndefined();
      expect(inf.get(`${ns}/pre`)?.kind).toBe('ConfigMap');
    });

    it('periodic resync re-delivers every cached object as an unchanged update', async () => {
      const ns = await env().namespace('inf-resync');
      await env().client.resource(Resources.configMaps).create(cm(ns, 'x', '1'));
      const inf = started(env().client, ns, { resyncMs: 200 });
      let resyncs = 0;
      inf.addHandlers({ onUpdate: (a, b) => void (a === b && resyncs++) });
      await eventually('two resyncs', () => resyncs >= 2, 5_000);
    });

    it('recovers when every connection is cut and refused for a while, and catches up on what it missed', async () => {
      const ns = await env().namespace('inf-cut');
      const direct = env().client.resource(Resources.configMaps);
      await direct.create(cm(ns, 'pre', '0'));
      const proxy: FaultProxy = await startFaultProxy(env().cp.server);
      cleanup.push(() => proxy.close());
      const inf = started(env().clientFor({ server: proxy.url }), ns);
      await inf.waitForSync();
      await eventually('the watch to be open', () => proxy.open() > 0);
      proxy.setDown(true);
      proxy.cut();
      await direct.create(cm(ns, 'during', '1'));
      await direct.delete('pre', ns);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(inf.get(`${ns}/during`)).toBeUndefined();
      expect(inf.stats.failures).toBeGreaterThan(0);
      proxy.setDown(false);
      await eventually('the cache to catch up', () => inf.get(`${ns}/during`) && !inf.get(`${ns}/pre`), 15_000);
      await direct.create(cm(ns, 'after', '2'));
      await eventually('a live watch again', () => inf.get(`${ns}/after`), 10_000);
      expect(inf.stats.idleRestarts).toBe(0);
    });

    it('re-opens a watch that stays connected but goes silent', async () => {
      const ns = await env().namespace('inf-silent');
      const proxy = await startFaultProxy(env().cp.server);
      cleanup.push(() => proxy.close());
      const inf = started(env().clientFor({ server: proxy.url }), ns, { watchTimeoutSeconds: 2, idleGraceMs: 1_000 });
      await inf.waitForSync();
      const direct = env().client.resource(Resources.configMaps);
      // An object arriving proves the watch is live on a connection that freeze() will catch.
      await direct.create(cm(ns, 'probe', '0'));
      await eventually('the watch to deliver', () => inf.get(`${ns}/probe`));
      proxy.freeze();
      await direct.create(cm(ns, 'after-freeze', '1'));
      await new Promise((r) => setTimeout(r, 500));
      expect(inf.get(`${ns}/after-freeze`)).toBeUndefined();
      await eventually('the object to arrive over a new watch', () => inf.get(`${ns}/after-freeze`), 15_000);
      expect(inf.stats.idleRestarts).toBeGreaterThan(0);
    });
  });
}

/** Runs last: restarts the API server under a live informer. */
export function informerRestartSuite(env: () => KubeEnv): void {
  describe('Informer across an API server restart', () => {
    it('keeps running, relists when its version is gone, and converges', async () => {
      const { client } = env();
      const ns = await env().namespace('inf-restart');
      const cms = client.resource(Resources.configMaps);
      await cms.create(cm(ns, 'pre', '0'));
      const lines: string[] = [];
      const log = jsonLogger({ level: 'debug', write: (l) => lines.push(l) });
      const inf = new Informer(cms, { namespace: ns, labelSelector: 'sluice.dev/test=informer', resyncMs: 0, backoff: fastBackoff, log });
      inf.start();
      try {
        await inf.waitForSync();
        // Writes the informer does not see move etcd's revision past the informer's.
        for (let i = 0; i < 3; i++) await cms.create(cm(ns, `other-${i}`, '0', {}));
        const listsBefore = inf.stats.lists;
        await env().restartApiServer(1_000);
        await cms.create(cm(ns, 'after-restart', '1'));
        await cms.delete('pre', ns);
        await eventually('the cache to converge', () => inf.get(`${ns}/after-restart`) && !inf.get(`${ns}/pre`), 30_000);
        const failures = lines
          .map((l) => JSON.parse(l) as { msg: string; during?: string; relist?: boolean; err?: { status?: number } })
          .filter((r) => r.msg === 'list/watch failed; retrying');
        // The broken stream and the refused connections re-watch from the cached version…
        expect(failures[0]).toMatchObject({ during: 'watch', relist: false, err: { status: 0 } });
        // …until the restarted server no longer has that version: 410, one relist.
        expect(failures.at(-1)).toMatchObject({ during: 'watch', relist: true, err: { status: 410 } });
        expect(inf.stats.lists).toBe(listsBefore + 1);
      } finally {
        await inf.stop();
      }
    });
  });
}
