// Integration test of the test harness itself: a real etcd + kube-apiserver +
// kube-controller-manager (and, in the second suite, kube-scheduler + kwok) on loopback.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeNodeManifest, startControlPlane, type ControlPlane } from './index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const expectedVersion = execFileSync('bash', [join(repoRoot, 'scripts/controlplane.sh'), 'version'], { encoding: 'utf8' }).trim();

interface Obj {
  metadata: { name: string; uid: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** Polls `probe` until it returns a value other than undefined; fails with the last observation. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const t0 = Date.now();
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err instanceof Error ? err.message : JSON.stringify(err);
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

function deployment(name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'registry.invalid/sluice/never-pulled:1' }] },
      },
    },
  });
}

describe('control plane (etcd, kube-apiserver, kube-controller-manager)', () => {
  let cp: ControlPlane;
  const ns = 'cp-test';

  const list = async (kind: string, selector: string): Promise<Obj[]> => {
    const out = await cp.kubectlOk(['get', kind, '-n', ns, '-l', selector, '-o', 'json']);
    return (JSON.parse(out) as { items: Obj[] }).items;
  };

  beforeAll(async () => {
    cp = await startControlPlane({ log: (l) => console.log(`[controlplane] ${l}`) });
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  }, 60_000);

  it('serves the pinned Kubernetes version on loopback to the admin kubeconfig', async () => {
    expect(cp.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const v = JSON.parse(await cp.kubectlOk(['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string; major: string; minor: string };
    };
    expect(v.serverVersion.gitVersion).toBe(expectedVersion);
    expect(v.clientVersion.gitVersion).toBe(expectedVersion);
    expect(`v${v.serverVersion.major}.${v.serverVersion.minor}`).toBe(expectedVersion.split('.').slice(0, 2).join('.'));
    // The admin is a cluster-admin through O=system:masters under RBAC.
    expect((await cp.kubectlOk(['auth', 'can-i', '*', '*', '--all-namespaces'])).trim()).toBe('yes');
  });

  it('authenticates by client certificate and authorizes with RBAC', async () => {
    const status = (tls: { cert?: string; key?: string }) =>
      new Promise<number>((resolveStatus, reject) => {
        const req = request(`${cp.server}/api/v1/namespaces`, { ca: cp.ca, ...tls }, (res) => {
          res.resume();
          resolveStatus(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status({ cert: cp.clientCert, key: cp.clientKey })).toBe(200);
    // No certificate: anonymous, which RBAC does not let list namespaces.
    expect([401, 403]).toContain(await status({}));
    const r = await cp.kubectl(['get', 'namespaces', '--as=someone-else']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/forbidden/i);
  });

  it('writes a kubeconfig that @kubernetes/client-node can use', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    expect(kc.getCurrentCluster()?.server).toBe(cp.server);
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespace({ body: { metadata: { name: 'from-client-node' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'from-client-node']));
  });

  it('runs Deployment → ReplicaSet → Pods and garbage-collects them when the Deployment goes', async () => {
    await cp.kubectlOk(['create', 'namespace', ns]);
    await cp.kubectlOk(['apply', '-n', ns, '-f', '-'], { input: deployment('web', 2) });
    const dep = JSON.parse(await cp.kubectlOk(['get', 'deployment', 'web', '-n', ns, '-o', 'json'])) as Obj;

    const [rs] = await waitFor('the deployment controller to create a ReplicaSet', async () => {
      const items = await list('replicasets', 'app=web');
      return items.length > 0 ? items : undefined;
    });
    expect(rs?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Deployment', name: 'web', uid: dep.metadata.uid, controller: true }),
    ]);

    const pods = await waitFor('the replicaset controller to create 2 Pods', async () => {
      const items = await list('pods', 'app=web');
      return items.length === 2 ? items : undefined;
    });
    for (const pod of pods) {
      expect(pod.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'ReplicaSet', name: rs?.metadata.name, uid: rs?.metadata.uid, controller: true }),
      ]);
      // No scheduler and no kubelet: Pods stay Pending and unbound.
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.spec?.nodeName).toBeUndefined();
    }

    // Background cascading deletion: the Deployment goes at once, the garbage collector then
    // removes the orphaned ReplicaSet and its Pods.
    await cp.kubectlOk(['delete', 'deployment', 'web', '-n', ns, '--cascade=background', '--wait=false']);
    await waitFor('the garbage collector to delete the ReplicaSet and its Pods', async () => {
      const [rsLeft, podsLeft] = await Promise.all([list('replicasets', 'app=web'), list('pods', 'app=web')]);
      return rsLeft.length === 0 && podsLeft.length === 0 ? true : undefined;
    });
    const gone = await cp.kubectl(['get', 'replicaset', rs?.metadata.name ?? '', '-n', ns]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/NotFound|not found/);
  }, 300_000);

  it('stop() ends every process and removes its directory', async () => {
    const dir = cp.dir;
    expect(existsSync(join(dir, 'kube-apiserver.log'))).toBe(true);
    await cp.stop();
    expect(existsSync(dir)).toBe(false);
    const r = await cp.kubectl(['get', 'namespaces', '--request-timeout=5s'], { timeoutMs: 20_000 });
    expect(r.code).not.toBe(0);
  }, 60_000);
});

describe('control plane with kube-scheduler and kwok', () => {
  let cp: ControlPlane;

  beforeAll(async () => {
    cp = await startControlPlane({ kwok: true, log: (l) => console.log(`[controlplane+kwok] ${l}`) });
  }, 300_000);

  afterAll(async () => {
    await cp?.stop();
  }, 60_000);

  it('schedules Pods onto a fake node and kwok marks them Running', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: fakeNodeManifest('fake-1') });
    await waitFor('kwok to make the fake node Ready', async () => {
      const out = await cp.kubectlOk(['get', 'node', 'fake-1', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
      return out === 'True' ? true : undefined;
    });
    await cp.kubectlOk(['apply', '-n', 'default', '-f', '-'], { input: deployment('api', 1) });
    const pod = await waitFor('the Pod to run on the fake node', async () => {
      const out = await cp.kubectlOk(['get', 'pods', '-n', 'default', '-l', 'app=api', '-o', 'json']);
      const [p] = (JSON.parse(out) as { items: Obj[] }).items;
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe('fake-1');
  }, 300_000);
});

describe('startControlPlane without binaries', () => {
  it('tells the developer to run make controlplane', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'sluice-cp-nobin-'));
    const saved = process.env.SLUICE_CONTROLPLANE_BIN;
    process.env.SLUICE_CONTROLPLANE_BIN = empty;
    try {
      await expect(startControlPlane()).rejects.toThrow(/kube-apiserver.*make controlplane/s);
    } finally {
      if (saved === undefined) delete process.env.SLUICE_CONTROLPLANE_BIN;
      else process.env.SLUICE_CONTROLPLANE_BIN = saved;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
