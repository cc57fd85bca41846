import { Worker } from 'node:worker_threads';
import type { BusLogger } from '../types.ts';

/** Events written before the worker starts: a bus that stays small never pays for a thread. */
const START_AFTER_EVENTS = 2_000;

/**
 * Moves most checkpoint work off the event loop. Inline, SQLite checkpoints inside a
 * COMMIT once the WAL passes 1000 pages, and that commit then blocks ingest while it
 * copies ~4 MiB of pages and fsyncs: tail commits of 45–190 ms were measured on this
 * machine. A worker thread with its own connection copies frames in the background.
 *
 * The writer keeps its own (PASSIVE) autocheckpoint: under steady writes a background
 * checkpoint never quite catches up, and only the writer can then start the WAL over, so
 * without it the WAL grows without bound. It now finds most frames already copied.
 */
export class Checkpointer {
  readonly #path: string;
  readonly #intervalMs: number;
  readonly #log: BusLogger | undefined;
  #written = 0;
  #worker: Worker | undefined;
  #exited: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(path: string, opts: { intervalMs: number; log?: BusLogger }) {
    this.#path = path;
    this.#intervalMs = opts.intervalMs;
    this.#log = opts.log;
  }

  /** Counts events written; starts the worker once there is enough traffic to matter. */
  noteWrites(events: number): void {
    this.#written += events;
    if (this.#worker || this.#stopped || this.#written < START_AFTER_EVENTS) return;
    const workerData = { path: this.#path, activeMs: this.#intervalMs, idleMs: this.#intervalMs * 10 };
    const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData });
    worker.unref();
    let lastError = '';
    worker.on('message', (m: { error?: string }) => {
      if (m.error && m.error !== lastError) this.#log?.('warn', `checkpointing the bus WAL: ${m.error}`);
      lastError = m.error ?? '';
    });
    worker.on('error', (error: Error) => this.#log?.('error', `bus checkpoint worker: ${error.message}`));
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    this.#worker = worker;
  }

  /** Lets a running checkpoint finish, then stops the worker. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (!this.#worker) return;
    // Unref'd so an open bus never keeps a process alive; waiting for the exit must.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
