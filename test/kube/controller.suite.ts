import { describe, expect, it } from 'vitest';
import type { Source } from '../../operator/src/api/index.ts';
import {
  applyIfChanged,
  Informer,
  keyOf,
  objectKey,
  ownerKeys,
  ownerReference,
  Resources,
  runController,
  watch,
  type Secret,
} from '../../operator/src/kube/index.ts';
import { eventually, type KubeEnv } from './env.ts';
import { configMap, source } from './objects.ts';

const secret = (namespace: string, name: string, value: string): Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace },
  stringData: { writeKey: value },
});

export function controllerSuite(env: () => KubeEnv): void {
  describe('runController with real informers', () => {
    it('reconciles from the cache, and wakes the owner on child changes and the Sources that reference a changed Secret', async () => {
      const { client } = env();
      const ns = await env().namespace('ctrl');
      const cms = client.resource(Resources.configMaps);
      const sources = new Informer(client.resource(Resources.sources), { namespace: ns, resyncMs: 0 });
      sources.addIndex('secrets', (s: Source) => s.spec.writeKeys.map((k) => objectKey(s.metadata.namespace, k.secretRef.name)));
      const children = new Informer(cms, { namespace: ns, resyncMs: 0 });
      const secrets = new Informer(client.resource(Resources.secrets), { namespace: ns, resyncMs: 0 });
      const counts = new Map<string, number>();
      const ctrl = runController({
        name: 'source-test',
        watches: [
          watch(sources),
          watch(children, ownerKeys('Source', 'sluice.dev')),
          watch(secrets, (s) => sources.byIndex('secrets', keyOf(s)).map(keyOf)),
        ],
        reconcile: async (_ctx, key) => {
          counts.set(key, (counts.get(key) ?? 0) + 1);
          const src = sources.get(key);
          if (!src) return {};
          const hasKey = secrets.get(objectKey(ns, src.spec.writeKeys[0]!.secretRef.name)) !== undefined;
          const desired = configMap(ns, `${src.metadata.name}-config`, { secretFound: String(hasKey) }, { ownerReferences: [ownerReference(src)] });
          await applyIfChanged(cms, desired, children.get(keyOf(desired)));
          return {};
        },
      });
      try {
        await ctrl.ready;
        const web = `${ns}/web`;
        await client.resource(Resources.secrets).create(secret(ns, 'unrelated', 'x'));
        await client.resource(Resources.sources).create(source(ns, 'web', 'web-write-key'));
        await eventually('the child', () => children.get(`${ns}/web-config`)?.data?.secretFound === 'false');
        const afterCreate = counts.get(web)!;

        await client.resource(Resources.secrets).create(secret(ns, 'web-write-key', 'wk_1'));
        await eventually('the Secret to wake its Source', () => children.get(`${ns}/web-config`)?.data?.secretFound === 'true');
        expect(counts.get(web)!).toBeGreaterThan(afterCreate);

        const beforeEdit = counts.get(web)!;
        await cms.patch('web-config', ns, { type: 'merge', body: { metadata: { labels: { edited: 'by-hand' } } } });
        await eventually('the child edit to wake its owner', () => counts.get(web)! > beforeEdit);
        expect([...counts.keys()].sort()).toEqual([web]);
        await new Promise((r) => setTimeout(r, 300));
        // Level-triggered and quiet: no reconcile storm once the child matches.
        const settled = counts.get(web)!;
        await new Promise((r) => setTimeout(r, 500));
        expect(counts.get(web)).toBe(settled);
      } finally {
        await ctrl.stop();
        await Promise.all([sources.stop(), children.stop(), secrets.stop()]);
      }
    });
  });
}
