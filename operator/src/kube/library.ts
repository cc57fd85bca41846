// The one place that loads @kubernetes/client-node, and only for what the built-in loader
// does not do (exec plugins, auth-providers, impersonation, proxies): importing it costs
// ~80 MB of RSS, so an operator in a pod with its service account never does.
import type { RequestOptions } from 'node:https';
import type { ConfigSource } from './config.ts';

export interface LibraryInput {
  source: ConfigSource;
  context?: string;
  server?: string;
}

/** Fills in agent, TLS and auth headers for one request, through the library's KubeConfig. */
export type LibraryAuth = (opts: RequestOptions) => Promise<void>;

export async function libraryAuth(input: LibraryInput): Promise<LibraryAuth> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (input.source.kind === 'in-cluster') {
    kc.loadFromCluster();
  } else {
    const [first, ...rest] = input.source.paths;
    if (first === undefined) throw new Error('loading the Kubernetes client configuration: no kubeconfig file');
    kc.loadFromFile(first);
    for (const p of rest) {
      const more = new KubeConfig();
      more.loadFromFile(p);
      kc.mergeConfig(more, true);
    }
  }
  if (input.context) kc.setCurrentContext(input.context);
  const server = input.server;
  if (server) {
    const cluster = kc.getCurrentCluster();
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) => (c.name === cluster?.name ? { ...c, server } : c)),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
  }
  return (opts) => kc.applyToHTTPSOptions(opts);
}
