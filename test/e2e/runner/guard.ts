// Pod processes run in their own process groups (so a kill reaches whatever they spawn) and
// would outlive a test that dies. Two nets: an 'exit' hook SIGKILLs the groups still running,
// and a detached watchdog shell, for a test process that is itself SIGKILLed, kills every
// group listed in <dir>/pids and removes <dir> once that process is gone.
import { spawn } from 'node:child_process';
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const live = new Map<string, Set<number>>();
let hookInstalled = false;

function installExitHook(): void {
  if (hookInstalled) return;
  hookInstalled = true;
  process.on('exit', () => {
    for (const [dir, pids] of live) {
      for (const pid of pids) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

export interface Guard {
  /** Records a new process group leader. */
  add(pid: number): void;
  /** The group has exited and was reaped. */
  remove(pid: number): void;
  /** Everything was stopped cleanly: disarm both nets. */
  release(): void;
}

export function guard(dir: string): Guard {
  installExitHook();
  const pids = new Set<number>();
  live.set(dir, pids);
  const file = join(dir, 'pids');
  const sh = [
    'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done',
    '[ -d "$2" ] || exit 0',
    'for p in $(cat "$2/pids" 2>/dev/null); do kill -TERM -"$p" 2>/dev/null; done',
    'sleep 2',
    'for p in $(cat "$2/pids" 2>/dev/null); do kill -KILL -"$p" 2>/dev/null; done',
    'rm -rf "$2"',
  ].join('\n');
  const watchdog = spawn('sh', ['-c', sh, 'sluice-pod-runner-watchdog', String(process.pid), dir], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  return {
    add(pid) {
      pids.add(pid);
      appendFileSync(file, `${pid}\n`);
    },
    remove(pid) {
      pids.delete(pid);
      // Keep the watchdog's list to live groups: an old pid may belong to someone else by now.
      writeFileSync(file, [...pids].map((p) => `${p}\n`).join(''));
    },
    release() {
      live.delete(dir);
      try {
        if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    },
  };
}
