import { dirname, isAbsolute, join } from 'node:path';
import { createRequire } from 'node:module';

/** The YAML parser, loaded only to read a kubeconfig file: in-cluster configuration needs none. */
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

/** A certificate or key: inline bytes (the `-data` forms) or a file read when connecting. */
export type Material = { data: Buffer } | { file: string };

/** How requests authenticate, beyond a client certificate. */
export type Auth =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  /** Re-read now and then: projected service-account tokens rotate. */
  | { kind: 'tokenFile'; path: string }
  | { kind: 'basic'; username: string; password: string }
  /** exec plugins, auth-providers, impersonation, proxies: left to the client library. */
  | { kind: 'library'; why: string };

/** Everything needed to reach the API server, resolved from a kubeconfig or the pod's service account. */
export interface Endpoint {
  server: string;
  namespace: string;
  ca?: Material;
  cert?: Material;
  key?: Material;
  insecure: boolean;
  serverName?: string;
  auth: Auth;
}

/** One kubeconfig file as read: its path (relative file references resolve against its folder) and text. */
export interface KubeconfigFile {
  path: string;
  text: string;
}

type Named = Record<string, unknown>;

interface Merged {
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
  currentContext: string | undefined;
  /** Where each named entry came from, for relative paths and messages. */
  origin: Map<string, string>;
}

/** The error a user can act on: which file, which entry, what to set. */
export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

const isRecord = (v: unknown): v is Named => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Parses and merges kubeconfig files the way kubectl merges KUBECONFIG: the first file to name an entry or a current-context wins. */
export function mergeKubeconfigs(files: readonly KubeconfigFile[]): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map(), currentContext: undefined, origin: new Map() };
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(file.text);
    } catch (err) {
      throw new KubeconfigError(`reading kubeconfig ${file.path}: not valid YAML: ${(err as Error).message}`, { cause: err });
    }
    if (doc === null || doc === undefined) continue;
    if (!isRecord(doc)) throw new KubeconfigError(`reading kubeconfig ${file.path}: expected a mapping with clusters, users and contexts`);
    for (const [list, field] of [
      ['clusters', 'cluster'],
      ['users', 'user'],
      ['contexts', 'context'],
    ] as const) {
      const entries = doc[list] ?? [];
      if (!Array.isArray(entries)) throw new KubeconfigError(`reading kubeconfig ${file.path}: "${list}" must be a list`);
      for (const e of entries as unknown[]) {
        const name = isRecord(e) ? str(e.name) : undefined;
        if (!isRecord(e) || name === undefined) throw new KubeconfigError(`reading kubeconfig ${file.path}: every entry of "${list}" needs a name`);
        if (merged[list].has(name)) continue;
        merged[list].set(name, isRecord(e[field]) ? e[field] : {});
        merged.origin.set(`${list}/${name}`, file.path);
      }
    }
    merged.currentContext ??= str(doc['current-context']);
  }
  return merged;
}

/**
 * The endpoint of a context (the current one unless named). Pure: files are referenced, not
 * read; relative paths resolve against the kubeconfig that names them.
 */
export function resolveKubeconfig(files: readonly KubeconfigFile[], opts: { context?: string } = {}): Endpoint {
  const m = mergeKubeconfigs(files);
  const where = files.map((f) => f.path).join(', ');
  const contextName = opts.context ?? m.currentContext;
  if (!contextName) throw new KubeconfigError(`reading kubeconfig ${where}: no current-context: set one (kubectl config use-context) or pass --context`);
  const context = m.contexts.get(contextName);
  if (!context) throw new KubeconfigError(`reading kubeconfig ${where}: context "${contextName}" not found; known: ${[...m.contexts.keys()].join(', ') || 'none'}`);
  const clusterName = str(context.cluster);
  if (!clusterName) throw new KubeconfigError(`reading kubeconfig ${where}: context "${contextName}" names no cluster`);
  const cluster = m.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`reading kubeconfig ${where}: cluster "${clusterName}" of context "${contextName}" not found`);
  const clusterFile = m.origin.get(`clusters/${clusterName}`) ?? where;
  const server = str(cluster.server);
  if (!server || !/^https?:\/\//.test(server)) {
    throw new KubeconfigError(`reading kubeconfig ${clusterFile}: cluster "${clusterName}" needs a server URL (https://host:port), got ${JSON.stringify(cluster.server ?? null)}`);
  }
  const userName = str(context.user);
  const user = userName === undefined ? {} : m.users.get(userName);
  if (!user) throw new KubeconfigError(`reading kubeconfig ${where}: user "${userName}" of context "${contextName}" not found`);
  const userFile = (userName && m.origin.get(`users/${userName}`)) || where;
  const inUser = (what: string) => `reading kubeconfig ${userFile}: user "${userName}": ${what}`;

  const cert = material(user, 'client-certificate', userFile);
  const key = material(user, 'client-key', userFile);
  if (cert && !key) throw new KubeconfigError(inUser('a client certificate without a key: set client-key or client-key-data'));
  if (key && !cert) throw new KubeconfigError(inUser('a client key without a certificate: set client-certificate or client-certificate-data'));
  const proxy = str(cluster['proxy-url']);
  return {
    server,
    namespace: str(context.namespace)?.trim() ?? 'default',
    ...optional('ca', material(cluster, 'certificate-authority', clusterFile)),
    ...optional('cert', cert),
    ...optional('key', key),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...optional('serverName', str(cluster['tls-server-name'])),
    auth: proxy ? { kind: 'library', why: 'proxy-url' } : authOf(user, userFile, inUser),
  };
}

function authOf(user: Named, file: string, inUser: (what: string) => string): Auth {
  for (const field of ['exec', 'auth-provider', 'as', 'as-groups', 'as-user-extra'] as const) {
    if (user[field] !== undefined) return { kind: 'library', why: field };
  }
  const token = str(user.token);
  // kubectl: an inline token wins over a token file.
  if (token) return { kind: 'token', token: token.trim() };
  const tokenFile = str(user.tokenFile);
  if (tokenFile) return { kind: 'tokenFile', path: resolvePath(file, tokenFile) };
  const username = str(user.username);
  if (username !== undefined) {
    if (typeof user.password !== 'string') throw new KubeconfigError(inUser('a username without a password: set password'));
    return { kind: 'basic', username, password: user.password };
  }
  return { kind: 'none' };
}

/** `<field>-data` (base64) wins over `<field>` (a path), as in kubectl. */
function material(entry: Named, field: string, file: string): Material | undefined {
  const data = str(entry[`${field}-data`]);
  if (data) return { data: Buffer.from(data, 'base64') };
  const path = str(entry[field]);
  return path ? { file: resolvePath(file, path) } : undefined;
}

function resolvePath(kubeconfig: string, path: string): string {
  return isAbsolute(path) ? path : join(dirname(kubeconfig), path);
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** The pod's service account: the API server from the environment, its CA, a rotating token and the pod's namespace. */
export function inClusterEndpoint(env: Record<string, string | undefined>, dir: string, namespace: string | undefined): Endpoint {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host) throw new KubeconfigError('loading the in-cluster configuration: KUBERNETES_SERVICE_HOST is not set');
  // An IPv6 address needs brackets in a URL.
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    server: `https://${hostPart}:${port}`,
    namespace: namespace?.trim() || 'default',
    ca: { file: join(dir, 'ca.crt') },
    insecure: false,
    auth: { kind: 'tokenFile', path: join(dir, 'token') },
  };
}
