import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from './http.ts';
import { writeManifests, type ManifestDoc } from './manifests.ts';
import { OutputTail } from './output.ts';
import { freePort } from './ports.ts';
import { StopWaiting, waitFor } from './wait.ts';
import type { SluiceStatus } from './status.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO_ROOT, 'runtime/src/cli/main.ts');

export interface SluiceOptions {
  /** A directory or file of manifests, or manifest objects written to a fresh directory. */
  manifests: string | ManifestDoc[];
  port?: number;
  /** Reuse a data directory (e.g. to restart after a crash); a fresh temp one otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
  /** Extra arguments after `run -f … --port … --data-dir …`. */
  args?: string[];
  /** Node flags before the script, e.g. --cpu-prof for a profile. */
  nodeArgs?: string[];
  /** Wait for /readyz before returning (default true). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Sluice {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly manifestsDir: string;
  readonly proc: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  stdout(): string;
  stderr(): string;
  /** The last lines of both streams, for assertion messages. */
  output(lines?: number): string;
  waitReady(timeoutMs?: number): Promise<void>;
  status(): Promise<SluiceStatus>;
  metrics(): Promise<string>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<ExitInfo>;
  kill9(): Promise<ExitInfo>;
}

const live = new Set<ChildProcess>();
// A test run that dies mid-way must not leave servers behind holding ports and data dirs.
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

/** Starts `sluice run` as its own process (Node 24, the CLI as users run it). */
export async function startSluice(opts: SluiceOptions): Promise<Sluice> {
  const manifestsDir =
    typeof opts.manifests === 'string' ? opts.manifests : writeManifests(mkdtempSync(join(tmpdir(), 'sluice-manifests-')), opts.manifests);
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sluice-data-'));
  const port = opts.port ?? (await freePort());
  const args = [...(opts.nodeArgs ?? []), CLI, 'run', '-f', manifestsDir, '--port', String(port), '--data-dir', dataDir, ...(opts.args ?? [])];
  const proc = spawn(process.execPath, args, { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const out = new OutputTail();
  const err = new OutputTail();
  proc.stdout?.on('data', (c: Buffer) => out.push(c));
  proc.stderr?.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<ExitInfo>((resolveExit) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolveExit({ code, signal });
    });
    proc.once('error', () => {
      live.delete(proc);
      resolveExit({ code: null, signal: null });
    });
  });
  let exitInfo: ExitInfo | undefined;
  void exited.then((e) => (exitInfo = e));

  const url = `http://127.0.0.1:${port}`;
  const output = (lines = 40) => `--- sluice stdout ---\n${out.tail(lines)}\n--- sluice stderr ---\n${err.tail(lines)}`;
  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<ExitInfo> => {
    if (exitInfo) return exitInfo;
    proc.kill(sig);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    const info = await exited;
    clearTimeout(timer);
    return info;
  };

  const sluice: Sluice = {
    url,
    port,
    dataDir,
    manifestsDir,
    proc,
    exited,
    stdout: () => out.toString(),
    stderr: () => err.toString(),
    output,
    async waitReady(timeoutMs = opts.readyTimeoutMs ?? 30_000) {
      await waitFor(
        async () => {
          if (exitInfo) {
            throw new StopWaiting(`sluice run exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before it was ready\n${output()}`);
          }
          const res = await request(`${url}/readyz`, { timeoutMs: 2000 });
          return res.status === 200;
        },
        { timeoutMs, intervalMs: 100, what: `sluice run on ${url} to be ready (/readyz 200)`, detail: () => output() },
      );
    },
    async status() {
      const res = await request(`${url}/status`);
      if (res.status !== 200 || typeof res.json !== 'object' || res.json === null) {
        throw new Error(`reading ${url}/status: answered ${res.status}: ${res.text.slice(0, 500)}`);
      }
      return res.json as SluiceStatus;
    },
    async metrics() {
      const res = await request(`${url}/metrics`);
      if (res.status !== 200) throw new Error(`reading ${url}/metrics: answered ${res.status}: ${res.text.slice(0, 500)}`);
      return res.text;
    },
    stop: (graceMs = 10_000) => signal('SIGTERM', graceMs),
    kill9: () => signal('SIGKILL', 0),
  };
  if (opts.waitReady !== false) {
    try {
      await sluice.waitReady();
    } catch (e) {
      await sluice.kill9();
      throw e;
    }
  }
  return sluice;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short CLI command (e.g. `validate -f dir`) to completion. */
export function runCli(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    const out = new OutputTail();
    const err = new OutputTail();
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    proc.once('error', (e) => {
      clearTimeout(timer);
      live.delete(proc);
      reject(new Error(`running sluice ${args.join(' ')}: ${e.message}`, { cause: e }));
    });
    proc.once('close', (code) => {
      clearTimeout(timer);
      live.delete(proc);
      resolveRun({ code, stdout: out.toString(), stderr: err.toString() });
    });
  });
}
