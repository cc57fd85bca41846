/**
 * Runs in a worker thread: copies WAL frames into the database file (PASSIVE checkpoints,
 * which never block the writer) while the WAL grows, so the writer's own checkpoint only
 * has the last few frames left to copy before it starts the WAL over.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { path, activeMs, idleMs } = workerData as { path: string; activeMs: number; idleMs: number };
const db = new DatabaseSync(path, { timeout: 0 });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let timer: NodeJS.Timeout | undefined;
let stopped = false;
let lastLog = -1;

function pass(): void {
  timer = undefined;
  if (stopped) return;
  let log = lastLog;
  try {
    log = Number(checkpoint.get()?.['log']);
  } catch (error) {
    // SQLITE_BUSY: the writer is checkpointing itself; try again on the next pass.
    if (!/busy|locked/i.test((error as Error).message)) parentPort?.postMessage({ error: (error as Error).message });
  }
  const growing = log !== lastLog;
  lastLog = log;
  timer = setTimeout(pass, growing ? activeMs : idleMs);
}

parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort?.close();
});
timer = setTimeout(pass, activeMs);
