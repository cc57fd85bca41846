// A real control plane with the CRDs installed, for the operator suites, plus the operator
// run in-process (startOperator) or as a child process (`sluice operator`).
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { freePort } from '../support/ports.ts';
import { waitFor } from '../support/wait.ts';
import { startOperator, type Operator, type OperatorOptions } from '../../operator/src/main.ts';
import { jsonLogger, KubeClient, loadClusterConfig, Resources } from '../../operator/src/kube/index.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface OperatorEnv {
  cp: ControlPlane;
  client: KubeClient;
  /** A fresh namespace for one test. */
  namespace(prefix: string): Promise<string>;
  /** `kubectl apply -f -` of objects (or YAML text), in `ns`. */
  apply(ns: string, objects: unknown[] | string): Promise<void>;
  /** `kubectl get <what> -o json`, parsed; undefined when not found. */
  get<T = Record<string, unknown>>(ns: string, what: string): Promise<T | undefined>;
  stop(): Promise<void>;
}

let seq = 0;

export async function startOperatorEnv(): Promise<OperatorEnv> {
  const cp = await startControlPlane({ log: (l) => console.log(`[controlplane] ${l}`) });
  try {
    await cp.kubectlOk(['apply', '--server-side', '-f', join(REPO_ROOT, 'crds')]);
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sources.sluice.dev', 'crd/destinations.sluice.dev', 'crd/trackingplans.sluice.dev']);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const client = new KubeClient(loadClusterConfig({ path: cp.kubeconfig }));
  return {
    cp,
    client,
    async namespace(prefix) {
      const name = `${prefix}-${++seq}`;
      await client.resource(Resources.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      return name;
    },
    async apply(ns, objects) {
      const input = typeof objects === 'string' ? objects : objects.map((o) => stringify(o)).join('---\n');
      await cp.kubectlOk(['apply', '-n', ns, '-f', '-'], { input });
    },
    async get<T>(ns: string, what: string) {
      const r = await cp.kubectl(['get', '-n', ns, ...what.split(' '), '-o', 'json']);
      if (r.code !== 0) {
        if (/NotFound|not found/.test(r.stderr)) return undefined;
        throw new Error(`kubectl get ${what}: ${r.stderr}`);
      }
      return JSON.parse(r.stdout) as T;
    },
    stop: () => cp.stop(),
  };
}

/** The operator in this process, on free ports, logging warnings and errors only. */
export async function runOperator(env: OperatorEnv, opts: Partial<OperatorOptions> = {}): Promise<Operator> {
  return startOperator({
    kubeconfig: env.cp.kubeconfig,
    runtimeImage: 'sluice:test',
    busUrl: 'nats://sluice-nats:4222',
    leaderElect: false,
    leaseName: 'sluice-operator',
    leaseNamespace: 'default',
    metricsPort: 0,
    healthPort: 0,
    bindAddress: '127.0.0.1',
    workers: 4,
    log: jsonLogger({ level: 'warn' }),
    ...opts,
  });
}

/** A metric's value summed over the series whose labels include `labels` (0 when absent). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const have = new Map([...(m[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[2]);
  }
  return sum;
}

export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

/** API writes the operator made (PATCH, POST, PUT, DELETE), from its metrics. */
export function apiWrites(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) out[method] = metricSum(text, 'sluice_operator_api_requests_total', { method });
  return out;
}

export interface OperatorProcess {
  readonly child: ChildProcess;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly identity: string;
  output(): string;
  metrics(): Promise<string>;
  /** Sends `signal` and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** How the operator's node starts: flags before the script (e.g. the chart's) and extra environment. */
export interface NodeLaunch {
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** `node [nodeArgs] runtime/src/cli/main.ts operator …` as a child process; resolves once /readyz answers 200. */
export async function spawnOperator(kubeconfig: string, identity: string, extra: string[] = [], launch: NodeLaunch = {}): Promise<OperatorProcess> {
  const metricsPort = await freePort();
  const healthPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(launch.nodeArgs ?? []),
      join(REPO_ROOT, 'runtime/src/cli/main.ts'),
      'operator',
      `--kubeconfig=${kubeconfig}`,
      ...(extra.some((a) => a.startsWith('--lease-namespace')) ? [] : ['--lease-namespace=default']),
      `--metrics-port=${metricsPort}`,
      `--health-port=${healthPort}`,
      '--bind-address=127.0.0.1',
      '--runtime-image=sluice:test',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...launch.env, POD_NAME: identity } },
  );
  children.add(child);
  const lines: string[] = [];
  const keep = (b: Buffer) => {
    lines.push(...b.toString().split('\n').filter(Boolean));
    if (lines.length > 400) lines.splice(0, lines.length - 400);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      children.delete(child);
      r(code);
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const output = () => lines.join('\n');
  await waitFor(
    async () => {
      if (gone) throw new Error(`the operator exited:\n${output()}`);
      return (await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status === 200;
    },
    { timeoutMs: 30_000, what: `operator ${identity} ready`, detail: output },
  );
  return {
    child,
    metricsPort,
    healthPort,
    identity: `${identity}_${child.pid ?? 0}`,
    output,
    metrics: () => scrape(metricsPort),
    async stop(signal = 'SIGTERM') {
      if (!gone) child.kill(signal);
      return exited;
    },
    exited,
  };
}
