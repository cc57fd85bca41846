import type { Source } from '../../operator/src/api/index.ts';
import type { ConfigMap } from '../../operator/src/kube/index.ts';

export const configMap = (namespace: string, name: string, data: Record<string, string>, extra: Partial<ConfigMap['metadata']> = {}): ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...extra },
  data,
});

export const source = (namespace: string, name: string, secret = `${name}-write-key`): Source => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Source',
  metadata: { name, namespace },
  spec: { writeKeys: [{ secretRef: { name: secret, key: 'writeKey' } }] },
});
