// The operator exactly as the installed chart configures it, run as a local process (the
// control plane has no kubelet): the container args of the chart's Deployment, the identity
// of the chart's ServiceAccount (a token from the TokenRequest API, so only the chart's RBAC
// applies), and its leader election. Only the ports are moved to free loopback ones.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, type ControlPlane } from '../controlplane/index.ts';
import { StopWaiting, waitFor } from '../support/wait.ts';
import { repoRoot } from './helm.ts';

export interface ChartOperator {
  readonly args: readonly string[];
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Flags the process must not take from the Deployment: a host has one port 8081. */
const LOCAL = /^--(metrics-port|health-port|bind-address|kubeconfig)(=|$)/;
const NATS_URL = /^--nats-url(=|$)/;

export interface LocalPlaces {
  kubeconfig: string;
  metricsPort: number;
  healthPort: number;
  /**
   * A NATS the host reaches, in place of the in-cluster Service the chart names: the operator
   * provisions on it. The runtime pods' --bus-url stays as rendered (the pods never run).
   */
  natsUrl?: string;
}

/** The Deployment's container args with the local ports, kubeconfig and NATS in place of the pod's. */
export function localArgs(deploymentArgs: readonly string[], local: LocalPlaces): string[] {
  const natsUrl = local.natsUrl;
  return [
    ...deploymentArgs.filter((a) => !LOCAL.test(a)).map((a) => (natsUrl !== undefined && NATS_URL.test(a) ? `--nats-url=${natsUrl}` : a)),
    `--kubeconfig=${local.kubeconfig}`,
    `--metrics-port=${local.metricsPort}`,
    `--health-port=${local.healthPort}`,
    '--bind-address=127.0.0.1',
  ];
}

/** A kubeconfig for the API server of `cp` authenticating as `namespace/serviceAccount`. */
export async function serviceAccountKubeconfig(cp: ControlPlane, namespace: string, serviceAccount: string): Promise<string> {
  const token = (await cp.kubectlOk(['create', 'token', serviceAccount, '-n', namespace, '--duration=1h'])).trim();
  const file = join(cp.dir, `kubeconfig-${namespace}-${serviceAccount}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cp.server, 'certificate-authority-data': Buffer.from(cp.ca).toString('base64') } }],
    users: [{ name: serviceAccount, user: { token } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: serviceAccount, namespace } }],
    'current-context': 'c',
  };
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/**
 * Starts `sluice operator <args>` as the chart's Deployment `name` would, provisioning on
 * `natsUrl` when given; resolves once /readyz is 200.
 */
export async function startChartOperator(cp: ControlPlane, namespace: string, name: string, opts: { natsUrl?: string } = {}): Promise<ChartOperator> {
  const d = JSON.parse(await cp.kubectlOk(['get', 'deployment', name, '-n', namespace, '-o', 'json'])) as {
    spec: { template: { spec: { serviceAccountName: string; containers: { args?: string[] }[] } } };
  };
  const pod = d.spec.template.spec;
  const kubeconfig = await serviceAccountKubeconfig(cp, namespace, pod.serviceAccountName);
  const healthPort = await freePort();
  const args = localArgs(pod.containers[0]?.args ?? [], { kubeconfig, metricsPort: await freePort(), healthPort, ...opts });
  const child = spawn(process.execPath, [join(repoRoot, 'runtime/src/cli/main.ts'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // What the Deployment's downward API gives the pod.
    env: { ...process.env, POD_NAME: `${name}-local`, POD_NAMESPACE: namespace },
  });
  children.add(child);
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    lines.push(...b.toString().split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (c) => {
      children.delete(child);
      code = c;
      r(c);
    }),
  );
  const output = () => lines.join('\n');
  const stop = async () => {
    if (code === undefined) child.kill('SIGTERM');
    return exited;
  };
  try {
    await waitFor(
      async () => {
        if (code !== undefined) throw new StopWaiting(`the operator exited with ${String(code)}:\n${output()}`);
        return (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the operator to be ready', detail: output },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { args, output, stop };
}
