// One real control plane (etcd, kube-apiserver, kube-controller-manager) shared by the kube
// layer suites, with the generated CRDs installed.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { restartApiServer, type Restarted } from './restart.ts';
import { KubeClient, loadClusterConfig, Resources, type LoadOptions } from '../../operator/src/kube/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface KubeEnv {
  cp: ControlPlane;
  client: KubeClient;
  /** A client with its own configuration (e.g. through a fault proxy). */
  clientFor(opts?: Omit<LoadOptions, 'path'>): KubeClient;
  /** Creates a fresh namespace for one test. */
  namespace(prefix: string): Promise<string>;
  /** Stops kube-apiserver for `downMs` and starts it again with the same flags. */
  restartApiServer(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

let seq = 0;

export async function startKubeEnv(): Promise<KubeEnv> {
  const cp = await startControlPlane({ log: (l) => console.log(`[controlplane] ${l}`) });
  try {
    await cp.kubectlOk(['apply', '--server-side', '-f', join(repoRoot, 'crds')]);
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sources.sluice.dev', 'crd/destinations.sluice.dev', 'crd/trackingplans.sluice.dev']);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const clientFor = (opts: Omit<LoadOptions, 'path'> = {}) => new KubeClient(loadClusterConfig({ ...opts, path: cp.kubeconfig }));
  const client = clientFor();
  let restarted: Restarted | undefined;
  return {
    cp,
    client,
    clientFor,
    async namespace(prefix) {
      const name = `${prefix}-${process.pid}-${++seq}`;
      await client.resource(Resources.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    async restartApiServer(downMs) {
      restarted = await restartApiServer(cp, downMs, restarted);
    },
    async stop() {
      // The harness does not know a re-spawned apiserver: stop it before etcd goes.
      await restarted?.kill();
      await cp.stop();
    },
  };
}

/** Polls until `probe` returns something other than undefined/false. */
export async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`waiting for ${what}: not true after ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
