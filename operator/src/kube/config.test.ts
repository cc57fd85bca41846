import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseConfigSource, loadClusterConfig, SERVICE_ACCOUNT_DIR } from './config.ts';

describe('chooseConfigSource', () => {
  const token = join(SERVICE_ACCOUNT_DIR, 'token');
  const home = '/home/op';
  const homeConfig = '/home/op/.kube/config';
  type Row = [string, { path?: string; env: Record<string, string>; files: string[] }, unknown];
  it.each<Row>([
    ['an explicit path wins', { path: '/k', env: { KUBECONFIG: '/e', KUBERNETES_SERVICE_HOST: 'h' }, files: [token, homeConfig] }, { kind: 'files', paths: ['/k'] }],
    ['KUBECONFIG with several paths', { env: { KUBECONFIG: '/a:/b:' }, files: [homeConfig] }, { kind: 'files', paths: ['/a', '/b'] }],
    ['in a pod', { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, files: [token, homeConfig] }, { kind: 'in-cluster' }],
    ['service host but no token is not a pod', { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' }, files: [homeConfig] }, { kind: 'files', paths: [homeConfig] }],
    ['~/.kube/config last', { env: {}, files: [homeConfig] }, { kind: 'files', paths: [homeConfig] }],
  ])('%s', (_what, input, want) => {
    const files = new Set(input.files);
    expect(chooseConfigSource({ path: input.path, env: input.env, home, exists: (p) => files.has(p) })).toEqual(want);
  });

  it('explains when nothing is available', () => {
    expect(() => chooseConfigSource({ env: {}, home, exists: () => false })).toThrow(/loading the Kubernetes client configuration: no kubeconfig given/);
  });
});

describe('loadClusterConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: [
        { name: 'one', context: { cluster: 'c', user: 'u', namespace: 'team-a' } },
        { name: 'two', context: { cluster: 'c', user: 'u' } },
      ],
      'current-context': 'one',
    }),
  );

  it('reads server and namespace from the current context', () => {
    const c = loadClusterConfig({ path: file, env: {} });
    expect(c).toMatchObject({ server: 'https://127.0.0.1:6443', namespace: 'team-a', source: { kind: 'files', paths: [file] } });
  });

  it('honours KUBECONFIG, a chosen context and a server override', () => {
    const c = loadClusterConfig({ env: { KUBECONFIG: file }, context: 'two', server: 'https://127.0.0.1:7000' });
    expect(c.server).toBe('https://127.0.0.1:7000');
    expect(c.namespace).toBe('default');
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadClusterConfig({ path: join(dir, 'missing'), env: {} })).toThrow(/loading the Kubernetes client configuration from .*missing/);
  });
});
