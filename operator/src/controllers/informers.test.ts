import { describe, expect, it } from 'vitest';
import type { ConfigMap, Deployment, Secret } from '../kube/index.ts';
import { secretKeysOnly, slimConfigMap, slimDeployment } from './informers.ts';

describe('cache transforms', () => {
  it('keeps a Secret\'s key names and version, never its values or annotations', () => {
    const s: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'k', namespace: 'ns', resourceVersion: '5', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"writeKey":"wk_live"}}' }, managedFields: [{}] },
      type: 'Opaque',
      data: { writeKey: Buffer.from('wk_live').toString('base64') },
    };
    const slim = secretKeysOnly(s);
    expect(slim).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'k', namespace: 'ns', resourceVersion: '5' }, type: 'Opaque', data: { writeKey: '' } });
    expect(JSON.stringify(slim)).not.toContain(s.data!.writeKey);
  });

  it('drops the data of its own ConfigMaps and keeps users\' (functions live there)', () => {
    const own: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-ingest', labels: { 'app.kubernetes.io/managed-by': 'sluice-operator' }, annotations: { 'sluice.dev/applied-digest': 'x' } }, data: { 'config.json': '{}' } };
    const user: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fn', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'big' } }, data: { 'index.js': 'export {}' } };
    expect(slimConfigMap(own)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: own.metadata });
    expect(slimConfigMap(user)).toEqual({ ...user, metadata: { name: 'fn', annotations: {} } });
  });

  it('keeps of a Deployment what rollouts are judged by', () => {
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web-ingest', generation: 2 },
      spec: { replicas: 2, selector: { matchLabels: { a: 'b' } }, template: { metadata: { annotations: { x: 'y' } }, spec: { containers: [{ name: 'ingest' }] } } },
      status: { observedGeneration: 2, readyReplicas: 1 },
    };
    expect(slimDeployment(d)).toEqual({ ...d, spec: { replicas: 2, selector: { matchLabels: { a: 'b' } }, template: { metadata: { annotations: { x: 'y' } } } } });
  });
});
