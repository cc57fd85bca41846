import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Connection } from './connection.ts';
import { inClusterEndpoint, KubeconfigError, resolveKubeconfig, type Endpoint } from './kubeconfig.ts';
import { libraryAuth } from './library.ts';

/** Where the connection settings come from, in the order controller-runtime uses. */
export type ConfigSource = { kind: 'files'; paths: string[] } | { kind: 'in-cluster' };

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface ConfigSourceInput {
  /** An explicit kubeconfig path (a --kubeconfig flag); wins over everything. */
  path?: string;
  env: Record<string, string | undefined>;
  home: string;
  exists: (path: string) => boolean;
  /** The pod's service-account folder (tests point it elsewhere). */
  serviceAccountDir?: string;
}

/** Explicit path, then KUBECONFIG (several paths merge, first wins), then the pod's service
 * account, then ~/.kube/config. */
export function chooseConfigSource(input: ConfigSourceInput): ConfigSource {
  if (input.path) return { kind: 'files', paths: [input.path] };
  const fromEnv = (input.env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  if (fromEnv.length > 0) return { kind: 'files', paths: fromEnv };
  if (input.env.KUBERNETES_SERVICE_HOST && input.exists(join(input.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'token'))) return { kind: 'in-cluster' };
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
  /** The pod's service-account folder; default SERVICE_ACCOUNT_DIR. */
  serviceAccountDir?: string;
}

// How to connect stays private to this folder: other code holds only ClusterConfig.
const endpoints = new WeakMap<ClusterConfig, { endpoint: Endpoint; opts: LoadOptions }>();

/** A new set of connections for a loaded configuration (one per client). */
export function connect(config: ClusterConfig): Connection {
  const found = endpoints.get(config);
  if (!found) throw new Error('using a cluster configuration: it was not created by loadClusterConfig');
  const { context, server } = found.opts;
  return new Connection(found.endpoint, { library: () => libraryAuth({ source: config.source, ...(context ? { context } : {}), ...(server ? { server } : {}) }) });
}

/**
 * Reads the configuration kubectl would: kubeconfig files (client certificates, tokens and
 * token files, data or file forms) or the pod's service account, with `yaml` and node:https.
 * Only exec plugins, auth-providers, impersonation and proxies load the client library, on
 * the first request.
 */
export function loadClusterConfig(opts: LoadOptions = {}): ClusterConfig {
  const env = opts.env ?? process.env;
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const source = chooseConfigSource({ path: opts.path, env, home: homedir(), exists: existsSync, serviceAccountDir: saDir });
  let endpoint: Endpoint;
  try {
    if (source.kind === 'in-cluster') {
      if (opts.context) throw new KubeconfigError(`no context "${opts.context}" in a pod: contexts come from a kubeconfig (--kubeconfig)`);
      endpoint = inClusterEndpoint(env, saDir, readOptional(join(saDir, 'namespace')));
    } else {
      endpoint = resolveKubeconfig(
        source.paths.map((path) => ({ path, text: readFileSync(path, 'utf8') })),
        opts.context ? { context: opts.context } : {},
      );
    }
  } catch (err) {
    const why = (err as Error).message;
    throw new Error(`loading the Kubernetes client configuration from ${describeSource(source)}: ${why}`, { cause: err });
  }
  if (opts.server) endpoint = { ...endpoint, server: opts.server };
  const config: ClusterConfig = { server: endpoint.server, namespace: endpoint.namespace, source };
  endpoints.set(config, { endpoint, opts });
  return config;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function describeSource(source: ConfigSource): string {
  return source.kind === 'in-cluster' ? 'the pod service account' : source.paths.join(delimiter);
}
