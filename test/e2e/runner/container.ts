// One container as a local process group: started from a freshly built command each time
// (env is re-read on every start, as the kubelet does), restarted per restartPolicy with
// backoff, probed, and stopped with SIGTERM then SIGKILL after the grace period.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Probe } from '../../../operator/src/kube/index.ts';
import type { CommandResult } from './command.ts';
import { nextRestart, shouldRestart, type Backoff, type ProbeState, type RestartPolicy } from './policy.ts';
import { probeCheck, Prober } from './prober.ts';
import { kubeTime, type ContainerSnapshot, type ContainerState } from './status.ts';

export interface ContainerOptions {
  name: string;
  image: string;
  restartPolicy: RestartPolicy;
  backoff: Backoff;
  /** Holds one log file per run: 0.log, 1.log, … */
  logDir: string;
  /** Builds the command for the next start; a failure is retried every second. */
  prepare(): CommandResult;
  probes: { readiness?: Probe; liveness?: Probe; startup?: Probe };
  hostPort(port: number | string): number | undefined;
  /** How long SIGTERM may take when a probe restarts the container. */
  graceMs: number;
  onChange(): void;
  onSpawn(pid: number): void;
  /** The process group is gone (the runner SIGKILLs what the main process left behind). */
  onExit(pid: number): void;
  log(line: string): void;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

const RETRY_PREPARE_MS = 1_000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone */
  }
}

/** As a container runtime reports it: 128 + the signal number when killed. */
function exitCode(exit: Exit): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? osConstants.signals[exit.signal] : undefined;
  return 128 + (n ?? 0);
}

export class ContainerProcess {
  readonly name: string;
  restartCount = 0;
  /** Will not run again: exited under its restart policy, or stopped. */
  done = false;
  lastExitCode: number | undefined;
  private readonly o: ContainerOptions;
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private state: ContainerState = { kind: 'waiting', reason: 'ContainerCreating' };
  private last: ContainerState | undefined;
  private ready = false;
  private started = false;
  private probers: Prober[] = [];
  private stopping = false;
  private readonly abort = new AbortController();
  private loopDone: Promise<void> = Promise.resolve();

  constructor(o: ContainerOptions) {
    this.o = o;
    this.name = o.name;
    mkdirSync(o.logDir, { recursive: true });
  }

  get pid(): number | undefined {
    return this.state.kind === 'running' ? this.state.pid : undefined;
  }

  logFile(run: number): string {
    return join(this.o.logDir, `${run}.log`);
  }

  start(): void {
    this.loopDone = this.loop().catch((err: unknown) => this.o.log(`container ${this.name}: ${(err as Error).message}`));
  }

  snapshot(): ContainerSnapshot {
    return {
      name: this.name,
      image: this.o.image,
      restartCount: this.restartCount,
      ready: this.ready,
      started: this.started,
      state: this.state,
      ...(this.last ? { last: this.last } : {}),
    };
  }

  isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the container will not run again (done, or stopped). */
  finished(): Promise<void> {
    return this.loopDone;
  }

  kill9(): number {
    const pid = this.pid;
    if (pid === undefined) throw new Error(`killing container ${this.name}: it is not running`);
    killGroup(pid, 'SIGKILL');
    return pid;
  }

  /** No more restarts: SIGTERM, SIGKILL after `graceMs`, then wait for the run loop to end. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.terminate(graceMs);
    await this.loopDone;
    this.done = true;
  }

  private async terminate(graceMs: number): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child?.pid || !exited) return;
    killGroup(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
    const outcome = await Promise.race([exited.then(() => 'exited' as const), timeout]);
    clearTimeout(timer);
    // Whatever the main process left behind in its group goes too.
    killGroup(child.pid, 'SIGKILL');
    if (outcome === 'timeout') await exited;
  }

  private async loop(): Promise<void> {
    let crashes = 0;
    let runs = 0;
    while (!this.stopping) {
      const cmd = this.o.prepare();
      if (!cmd.ok) {
        this.setState({ kind: 'waiting', reason: cmd.reason ?? 'CreateContainerConfigError', message: cmd.message });
        await sleep(RETRY_PREPARE_MS, undefined, { signal: this.abort.signal }).catch(() => {});
        continue;
      }
      if (runs > 0) this.restartCount++;
      runs++;
      const startedAt = Date.now();
      const exit = await this.run(cmd.argv, cmd.env, cmd.cwd);
      if (exit === undefined) break;
      const code = exitCode(exit);
      this.lastExitCode = code;
      this.o.log(`container ${this.name} exited: ${exit.error ?? (exit.signal ? `killed by ${exit.signal}` : `code ${exit.code}`)}`);
      if (this.stopping) break;
      if (!shouldRestart(this.o.restartPolicy, code)) {
        this.done = true;
        this.o.onChange();
        return;
      }
      const next = nextRestart(crashes, Date.now() - startedAt, this.o.backoff);
      crashes = next.crashes;
      this.setState({ kind: 'waiting', reason: 'CrashLoopBackOff', message: `back-off ${next.delayMs}ms restarting failed container=${this.name}` });
      await sleep(next.delayMs, undefined, { signal: this.abort.signal }).catch(() => {});
    }
  }

  /** One run, from spawn to exit; undefined when stopped before it could start. */
  private async run(argv: string[], env: Record<string, string>, cwd: string | undefined): Promise<Exit | undefined> {
    if (this.stopping) return undefined;
    const fd = openSync(this.logFile(this.restartCount), 'a');
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', fd, fd], detached: true });
    } finally {
      closeSync(fd);
    }
    child.unref();
    const exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => resolve({ code: 128, signal: null, error: `failed to start ${argv[0]}: ${err.message}` }));
    });
    this.child = child;
    this.exited = exited;
    const startedAt = kubeTime(Date.now());
    if (child.pid !== undefined) {
      this.o.onSpawn(child.pid);
      this.started = !this.o.probes.startup;
      this.ready = false;
      this.setState({ kind: 'running', startedAt, pid: child.pid });
      this.startProbes(this.started);
    }
    const exit = await exited;
    this.child = undefined;
    this.exited = undefined;
    this.stopProbes();
    const pid = child.pid ?? 0;
    if (pid) {
      // As when a container's main process dies: nothing else in it survives.
      killGroup(pid, 'SIGKILL');
      this.o.onExit(pid);
    }
    const code = exitCode(exit);
    this.last = {
      kind: 'terminated',
      exitCode: code,
      ...(exit.signal ? { signal: exit.signal } : {}),
      reason: exit.error ? 'StartError' : code === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: kubeTime(Date.now()),
      pid,
    };
    this.ready = false;
    this.started = false;
    this.setState(this.last);
    return exit;
  }

  private setState(s: ContainerState): void {
    this.state = s;
    this.o.onChange();
  }

  private startProbes(started: boolean): void {
    const { readiness, liveness, startup } = this.o.probes;
    const add = (kind: 'readiness' | 'liveness' | 'startup', probe: Probe, onResult: (s: ProbeState) => void) => {
      const p = new Prober(kind, probe, probeCheck(probe, (port) => this.o.hostPort(port)), onResult);
      this.probers.push(p);
      p.start();
    };
    if (!started && startup) {
      add('startup', startup, (s) => {
        if (s.ok) {
          this.stopProbes();
          this.started = true;
          this.o.onChange();
          this.startProbes(true);
        } else if (s.failures >= (startup.failureThreshold ?? 3)) {
          this.probeRestart('startup');
        }
      });
      return;
    }
    if (readiness) {
      add('readiness', readiness, (s) => {
        if (s.ok !== this.ready) {
          this.ready = s.ok;
          this.o.onChange();
        }
      });
    } else {
      this.ready = true;
      this.o.onChange();
    }
    if (liveness) add('liveness', liveness, (s) => (s.ok ? undefined : this.probeRestart('liveness')));
  }

  private stopProbes(): void {
    for (const p of this.probers) p.stop();
    this.probers = [];
  }

  private probeRestart(kind: string): void {
    this.stopProbes();
    this.o.log(`container ${this.name} failed its ${kind} probe; restarting it`);
    void this.terminate(this.o.graceMs);
  }
}
