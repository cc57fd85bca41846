import { Worker } from 'node:worker_threads';
import type { BusLogger } from '../types.ts';

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
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  constructor(path: string, opts: { intervalMs: number; log?: BusLogger }) {
    const workerData = { path, activeMs: opts.intervalMs, idleMs: opts.intervalMs * 10 };
    this.#worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url), { workerData });
    this.#worker.unref();
    let lastError = '';
    this.#worker.on('message', (m: { error?: string }) => {
      if (m.error && m.error !== lastError) opts.log?.('warn', `checkpointing the bus WAL: ${m.error}`);
      lastError = m.error ?? '';
    });
    this.#worker.on('error', (error: Error) => opts.log?.('error', `bus checkpoint worker: ${error.message}`));
    this.#exited = new Promise((resolve) => this.#worker.once('exit', () => resolve()));
  }

  /** Lets a running checkpoint finish, then stops the worker. */
  async stop(): Promise<void> {
    // Unref'd so an open bus never keeps a process alive; waiting for the exit must.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
