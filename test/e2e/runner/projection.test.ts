import { describe, expect, it } from 'vitest';
import type { ConfigMap, Pod, Secret } from '../../../operator/src/kube/index.ts';
import { projectVolume } from './projection.ts';
import type { Volume } from './types.ts';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', uid: 'u' }, spec: { containers: [] } };
const rootCa: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'ns' }, data: { 'ca.crt': 'CA' } };
const lookups = {
  configMap: (ns: string, name: string) => (ns === 'ns' && name === rootCa.metadata.name ? rootCa : undefined),
  secret: (): Secret | undefined => undefined,
};

// What the ServiceAccount admission plugin adds to a Pod that does not opt out.
const apiAccess = (withCa: boolean): Volume => ({
  name: 'kube-api-access-x',
  projected: {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      ...(withCa ? [{ configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] : []),
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
    ],
  },
});

describe('projectVolume', () => {
  it.each([
    { name: 'the admission-added API access volume', volume: apiAccess(true), want: ['token', 'ca.crt', 'namespace'] },
    { name: 'a token and the downward API', volume: apiAccess(false), want: ['token', 'namespace'] },
  ])('projects $name', ({ volume, want }) => {
    const p = projectVolume(pod, volume, lookups);
    expect(p.kind).toBe('files');
    if (p.kind !== 'files') return;
    expect([...p.files.keys()]).toEqual(want);
    expect(p.files.get('namespace')?.data.toString()).toBe('ns');
    expect(p.files.get('token')?.data.length).toBeGreaterThan(0);
    expect(p.files.get('token')?.mode).toBe(0o644);
  });

  it.each([
    { name: 'a token path leaving the volume', volume: { name: 'v', projected: { sources: [{ serviceAccountToken: { path: '../token' } }] } }, kind: 'unsupported' },
    { name: 'a missing ConfigMap', volume: { name: 'v', configMap: { name: 'nope' } }, kind: 'missing' },
    { name: 'a hostPath', volume: { name: 'v', hostPath: { path: '/etc' } }, kind: 'unsupported' },
  ])('refuses $name', ({ volume, kind }) => {
    expect(projectVolume(pod, volume, lookups).kind).toBe(kind);
  });
});
