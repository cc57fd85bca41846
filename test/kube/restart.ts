// Crashes the test control plane's kube-apiserver (SIGKILL: no goodbye to open watches) and
// starts it again in place: same flags, port, certificates and etcd. The control-plane harness has no
// restart of its own, so this finds the process through the harness's pid file, re-spawns
// it, and records the new pid there so the harness's watchdog still cleans it up.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ControlPlane } from '../controlplane/index.ts';

function processArgs(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0);
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface Restarted {
  child: ChildProcess;
  /** SIGTERM (SIGKILL after 5 s), for cleanup. */
  kill(): Promise<void>;
}

const started = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Kills kube-apiserver, waits `downMs`, starts it again; resolves once /readyz answers. */
export async function restartApiServer(cp: ControlPlane, downMs: number, previous?: Restarted): Promise<Restarted> {
  const pids = readFileSync(join(cp.dir, 'pids'), 'utf8').split('\n').filter(Boolean).map(Number);
  const found = pids.map((pid) => ({ pid, args: processArgs(pid) })).find((p) => p.args?.[0]?.endsWith('/kube-apiserver') && alive(p.pid));
  if (!found?.args) throw new Error('restarting kube-apiserver: no running kube-apiserver among the control plane pids');
  const [bin, ...args] = found.args;
  const t0 = Date.now();
  if (previous) {
    previous.child.kill('SIGKILL');
    await previous.kill();
  }
  else {
    process.kill(found.pid, 'SIGKILL');
    while (alive(found.pid)) await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`[kube] kube-apiserver stopped in ${Date.now() - t0} ms`);
  await new Promise((r) => setTimeout(r, downMs));
  const fd = openSync(join(cp.dir, 'kube-apiserver.log'), 'a');
  const child = spawn(bin!, args, { stdio: ['ignore', fd, fd], cwd: cp.dir });
  closeSync(fd);
  started.add(child);
  if (child.pid) appendFileSync(join(cp.dir, 'pids'), `${child.pid}\n`);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const end = Date.now() + 120_000;
  for (;;) {
    const r = await cp.kubectl(['get', '--raw', '/readyz'], { timeoutMs: 10_000 });
    if (r.code === 0) break;
    if (child.exitCode !== null || Date.now() > end) throw new Error(`restarting kube-apiserver: not ready again: ${r.stderr}\n${cp.logTail('kube-apiserver')}`);
    await new Promise((res) => setTimeout(res, 250));
  }
  console.log(`[kube] kube-apiserver restarted: ${Date.now() - t0} ms from stop to ready (${downMs} ms down)`);
  return {
    child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
      started.delete(child);
    },
  };
}
