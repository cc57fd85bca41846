import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** Where the connection settings come from, in the order controller-runtime uses. */
export type ConfigSource = { kind: 'files'; paths: string[] } | { kind: 'in-cluster' };

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ConfigSourceInput {
  /** An explicit kubeconfig path (a --kubeconfig flag); wins over everything. */
  path?: string;
  env: Record<string, string | undefined>;
  home: string;
  exists: (path: string) => boolean;
}

/** Explicit path, then KUBECONFIG (several paths merge, first wins), then the pod's service
 * account, then ~/.kube/config. */
export function chooseConfigSource(input: ConfigSourceInput): ConfigSource {
  if (input.path) return { kind: 'files', paths: [input.path] };
  const fromEnv = (input.env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  if (fromEnv.length > 0) return { kind: 'files', paths: fromEnv };
  if (input.env.KUBERNETES_SERVICE_HOST && input.exists(join(SERVICE_ACCOUNT_DIR, 'token'))) return { kind: 'in-cluster' };
  const home = join(input.home, '.kube', 'config');
  if (input.exists(home)) return { kind: 'files', paths: [home] };
  throw new Error(
    'loading the Kubernetes client configuration: no kubeconfig given, KUBECONFIG unset, not running in a pod, and ~/.kube/config missing',
  );
}

/** A loaded connection: where the API server is and which namespace is "ours". */
export interface ClusterConfig {
  readonly server: string;
  /** The context's namespace, the pod's namespace in-cluster, or "default". */
  readonly namespace: string;
  readonly source: ConfigSource;
}

export interface LoadOptions {
  path?: string;
  context?: string;
  /** Replace the server URL (e.g. to reach the API server through a proxy). */
  server?: string;
  env?: Record<string, string | undefined>;
}

// The library object stays private to this folder: other code holds only ClusterConfig.
const libraryConfigs = new WeakMap<ClusterConfig, KubeConfig>();

export function libraryConfig(config: ClusterConfig): KubeConfig {
  const kc = libraryConfigs.get(config);
  if (!kc) throw new Error('using a cluster configuration: it was not created by loadClusterConfig');
  return kc;
}

export function loadClusterConfig(opts: LoadOptions = {}): ClusterConfig {
  const env = opts.env ?? process.env;
  const source = chooseConfigSource({ path: opts.path, env, home: homedir(), exists: existsSync });
  const kc = new KubeConfig();
  try {
    if (source.kind === 'in-cluster') {
      kc.loadFromCluster();
    } else {
      const [first, ...rest] = source.paths;
      kc.loadFromFile(first!);
      for (const p of rest) {
        const more = new KubeConfig();
        more.loadFromFile(p);
        kc.mergeConfig(more, true);
      }
    }
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (err) {
    throw new Error(`loading the Kubernetes client configuration from ${describeSource(source)}: ${(err as Error).message}`, { cause: err });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`loading the Kubernetes client configuration from ${describeSource(source)}: the current context has no cluster`);
  if (opts.server) {
    const server = opts.server;
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server } : c)),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  const config: ClusterConfig = {
    server: opts.server ?? cluster.server,
    namespace: ctx?.namespace?.trim() || 'default',
    source,
  };
  libraryConfigs.set(config, kc);
  return config;
}

function describeSource(source: ConfigSource): string {
  return source.kind === 'in-cluster' ? 'the pod service account' : source.paths.join(delimiter);
}
