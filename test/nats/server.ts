import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';
import { waitFor } from '../support/wait.ts';

/**
 * A real nats-server with JetStream on 127.0.0.1, its store in a temp dir. It can be
 * stopped gracefully, restarted on the same port and store, or killed with SIGKILL; every
 * process it started is killed when the test process exits, however it exits.
 */
export interface NatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly running: boolean;
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<void>;
  /** Starts it again (same port, same store) and waits until JetStream is ready. */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGKILL: no chance to flush anything. */
  kill9(): Promise<void>;
  /** SIGSTOP: the process freezes, its sockets stay open and what clients send queues up. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** Kills it and removes the store. */
  close(): Promise<void>;
  /** The server's recent log lines, for failure messages. */
  output(): string;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export function natsServerBinary(): string {
  const candidates = [process.env['NATS_SERVER'], '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'];
  const found = candidates.find((c): c is string => typeof c === 'string' && existsSync(c));
  if (!found) throw new Error('starting nats-server: not installed (run `make system-deps`, or set NATS_SERVER to its path)');
  return found;
}

export async function startNatsServer(): Promise<NatsServer> {
  const binary = natsServerBinary();
  const storeDir = mkdtempSync(join(tmpdir(), 'sluice-nats-'));
  const port = await freePort();
  const monitorPort = await freePort();
  const lines: string[] = [];
  let child: ChildProcess | undefined;

  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of running) p.kill('SIGKILL');
    });
  }

  const record = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(line);
    if (lines.length > 300) lines.splice(0, lines.length - 300);
  };

  const exited = (p: ChildProcess): Promise<void> =>
    p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((resolve) => p.once('exit', () => resolve()));

  async function start(): Promise<void> {
    if (child) return;
    const args = ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-n', `sluice-test-${port}`];
    const p = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    running.add(p);
    p.stdout?.on('data', record);
    p.stderr?.on('data', record);
    p.once('exit', () => {
      running.delete(p);
      if (child === p) child = undefined;
    });
    await waitFor(
      async () => {
        if (child !== p) throw new Error(`nats-server exited while starting (code ${p.exitCode})`);
        const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1_000) });
        return res.ok;
      },
      { timeoutMs: 20_000, intervalMs: 50, what: `nats-server on port ${port}`, detail: () => lines.slice(-20).join('\n') },
    );
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const p = child;
    if (!p) return;
    p.kill(sig);
    await exited(p);
  }

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get running() {
      return child !== undefined;
    },
    stop: () => signal('SIGTERM'),
    start,
    async restart() {
      await signal('SIGTERM');
      await start();
    },
    kill9: () => signal('SIGKILL'),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async close() {
      await signal('SIGKILL');
      rmSync(storeDir, { recursive: true, force: true });
    },
    output: () => lines.join('\n'),
  };
}
