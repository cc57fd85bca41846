// Runs the real helm binary (built with the control plane) on charts/sluice and parses what
// it renders. Helm's own cache and config go to a temporary directory, never the user's.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { controlPlaneBinDir } from '../controlplane/index.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const chartDir = join(repoRoot, 'charts/sluice');
export const RELEASE = 'sluice';
export const NAMESPACE = 'sluice-system';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

const helmHome = mkdtempSync(join(tmpdir(), 'sluice-helm-home-'));
process.on('exit', () => rmSync(helmHome, { recursive: true, force: true }));

export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number; input?: string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      cmd,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 60_000, env: { ...process.env, ...opts.env }, cwd: opts.cwd },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number' && !err.killed) {
          reject(new Error(`running ${cmd} ${args.join(' ')}: ${err.message}`, { cause: err }));
          return;
        }
        resolvePromise({ stdout, stderr, code: err ? (typeof err.code === 'number' ? err.code : 124) : 0 });
      },
    );
    // A command that exits without reading its input closes the pipe first: its exit status tells.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(opts.input ?? '');
  });
}

let helmPath: Promise<string> | undefined;
export const helmBinary = (): Promise<string> => (helmPath ??= controlPlaneBinDir().then((d) => join(d, 'helm')));

/** Runs helm with a private HELM_*_HOME; never throws on a non-zero exit. */
export async function helm(args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  return run(await helmBinary(), args, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    env: {
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
  });
}

/** Values as a file helm reads with -f (JSON is YAML). */
export function valuesFile(values: Record<string, unknown>): string {
  const dir = mkdtempSync(join(helmHome, 'values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/** `helm template` with these values; the result or helm's error. */
export async function template(values: Record<string, unknown> = {}, extra: string[] = []): Promise<RunResult> {
  return helm(['template', RELEASE, chartDir, '--namespace', NAMESPACE, '-f', valuesFile(values), ...extra]);
}

/** Renders and parses every object; throws with helm's message when rendering fails. */
export async function render(values: Record<string, unknown> = {}, extra: string[] = []): Promise<K8sObject[]> {
  const r = await template(values, extra);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr.trim()}`);
  return parseObjects(r.stdout);
}

export function parseObjects(yamlText: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`parsing helm output: ${doc.errors.map((e) => e.message).join('; ')}`);
    const v = doc.toJS() as K8sObject | null;
    if (v !== null) out.push(v);
  }
  return out;
}

export function find(objs: readonly K8sObject[], kind: string, name?: string): K8sObject[] {
  return objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

/** The single object of a kind (and name); fails the test when there is not exactly one. */
export function one<T = K8sObject>(objs: readonly K8sObject[], kind: string, name?: string): T {
  const found = find(objs, kind, name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objs.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  }
  return found[0] as T;
}

/** Every option turned on. */
export const ALL_ON = {
  nats: { enabled: true, replicas: 3 },
  metrics: { serviceMonitor: { enabled: true }, podMonitor: { enabled: true } },
  prometheusRule: { enabled: true },
  grafanaDashboard: { enabled: true },
  networkPolicy: { enabled: true, apiServer: { cidrs: ['10.0.0.1/32'] } },
} as const;
