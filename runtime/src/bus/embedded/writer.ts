import type { DatabaseSync } from 'node:sqlite';
import { BusError, type BusLogger } from '../types.ts';
import { commitDelay } from './decide.ts';

/** What an operation may register while it runs inside a transaction. */
export interface Tx {
  /** Runs after COMMIT (update in-memory indexes, wake waiting fetches). */
  onCommit(fn: () => void): void;
  /** Runs after ROLLBACK, newest first (undo in-memory changes made during the operation). */
  onRollback(fn: () => void): void;
}

type Op = {
  run: (tx: Tx) => unknown;
  weight: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/** Upper bounds (ms) of the commit-time histogram buckets; the last bucket is open. */
export const COMMIT_MS_BUCKETS = [1, 2, 5, 10, 20, 50, 100] as const;

export interface WriterStats {
  commits: number;
  ops: number;
  /** Longest time the event loop spent in one transaction, ms. */
  maxCommitMs: number;
  /** Time the event loop spent in transactions, ms, summed. */
  commitMsTotal: number;
  /** Commits by duration: counts per COMMIT_MS_BUCKETS bound, plus one for longer. */
  commitMsHistogram: number[];
}

/** The smallest bucket bound under which `q` (0–1) of the commits fell; Infinity for the open bucket. */
export function commitQuantile(histogram: number[], q: number): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= q * total) return COMMIT_MS_BUCKETS[i] ?? Infinity;
  }
  return Infinity;
}

/**
 * Group commit over one synchronous SQLite connection. Writes queued in the same turn of
 * the event loop (e.g. the publishes of every HTTP request whose body arrived in one poll
 * phase) share a single transaction, and each caller resolves only after the COMMIT that
 * holds its change. With `group: false` every write commits on its own (for comparison).
 *
 * A commit costs ~30 µs of CPU however little it holds (BEGIN, COMMIT, a few WAL frames),
 * against ~5 µs an event: one event a commit, as single-event requests arrive under load,
 * spends most of the event loop on commit overhead. So while writers overlap (the last
 * commit held several writes) a group commits no sooner than `intervalMs` after the
 * previous one began, as long as waiting gathers more writes; a lone writer, sparse writes
 * or a few writers that each wait for their commit, commit at once (decide.ts).
 *
 * A failed group commit is retried one operation per transaction, so one bad write never
 * fails the others.
 */
export class GroupCommitWriter {
  readonly #db: DatabaseSync;
  readonly #group: boolean;
  readonly #maxWeight: number;
  readonly #intervalMs: number;
  readonly #log: BusLogger | undefined;
  #pending: Op[] = [];
  #pendingWeight = 0;
  #scheduled = false;
  #lastCommitAt = -Infinity;
  #lastCommitWrites = 0;
  #uselessWaitAt = -Infinity;
  #closed = false;
  readonly stats: WriterStats = { commits: 0, ops: 0, maxCommitMs: 0, commitMsTotal: 0, commitMsHistogram: new Array<number>(COMMIT_MS_BUCKETS.length + 1).fill(0) };

  constructor(db: DatabaseSync, opts: { group: boolean; maxWeight: number; intervalMs?: number; log?: BusLogger }) {
    this.#db = db;
    this.#group = opts.group;
    this.#maxWeight = opts.maxWeight;
    this.#intervalMs = opts.intervalMs ?? 0;
    this.#log = opts.log;
  }

  /** Queues a write; resolves with its result once committed. `weight` (events) bounds a group's size. */
  enqueue<T>(run: (tx: Tx) => T, weight = 1): Promise<T> {
    if (this.#closed) return Promise.reject(new BusError('writing to the bus: it is closed', { kind: 'closed' }));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, weight, resolve: resolve as (v: unknown) => void, reject });
      this.#pendingWeight += weight;
      if (!this.#group || this.#pendingWeight >= this.#maxWeight) this.flush();
      else if (!this.#scheduled) this.#schedule();
    });
  }

  #schedule(): void {
    this.#scheduled = true;
    const now = performance.now();
    const last = { sinceMs: now - this.#lastCommitAt, writes: this.#lastCommitWrites, sinceUselessWaitMs: now - this.#uselessWaitAt };
    const delay = commitDelay(last, this.#intervalMs);
    if (delay === 0) {
      setImmediate(() => {
        this.#scheduled = false;
        this.flush();
      });
      return;
    }
    // Writes queued in this turn came anyway; only those queued later show the wait helped.
    let queuedThisTurn = Infinity;
    setImmediate(() => (queuedThisTurn = this.#pending.length));
    setTimeout(() => {
      this.#scheduled = false;
      const queued = this.#pending.length;
      if (queued > 0 && queued <= queuedThisTurn) this.#uselessWaitAt = performance.now();
      this.flush();
    }, delay);
  }

  /**
   * Runs `fn` now in one transaction together with every queued write, and returns its
   * result. Reads that must see queued writes (fetch after ack) go through here.
   */
  transact<T>(fn: (tx: Tx) => T): T {
    if (this.#closed) throw new BusError('writing to the bus: it is closed', { kind: 'closed' });
    const ops = this.#take();
    let result: T | undefined;
    const own: Op = { run: (tx) => (result = fn(tx)), weight: 0, resolve: () => {}, reject: () => {} };
    if (this.#commit([...ops, own])) return result as T;
    // The group failed: settle the queued writes one by one, then retry fn alone.
    for (const op of ops) this.#commitAlone(op);
    let error: Error | undefined;
    own.reject = (e) => (error = e as Error);
    this.#commitAlone(own);
    if (error !== undefined) throw error;
    return result as T;
  }

  /** Commits everything queued now. */
  flush(): void {
    const ops = this.#take();
    if (ops.length === 0) return;
    if (!this.#commit(ops)) for (const op of ops) this.#commitAlone(op);
  }

  close(): void {
    this.flush();
    this.#closed = true;
  }

  #take(): Op[] {
    const ops = this.#pending;
    this.#pending = [];
    this.#pendingWeight = 0;
    return ops;
  }

  #commitAlone(op: Op): void {
    this.#commit([op], op.reject);
  }

  /** Runs ops in one transaction; true when committed (and each op resolved). */
  #commit(ops: Op[], onError?: (error: unknown) => void): boolean {
    const started = performance.now();
    this.#lastCommitAt = started;
    this.#lastCommitWrites = ops.length;
    const commits: (() => void)[] = [];
    const rollbacks: (() => void)[] = [];
    const tx: Tx = { onCommit: (fn) => commits.push(fn), onRollback: (fn) => rollbacks.push(fn) };
    const results: unknown[] = [];
    try {
      this.#db.exec('BEGIN');
      for (const op of ops) results.push(op.run(tx));
      this.#db.exec('COMMIT');
    } catch (cause) {
      try {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      } catch (rollback) {
        this.#log?.('error', `rolling back a failed bus commit: ${(rollback as Error).message}`);
      }
      for (let i = rollbacks.length - 1; i >= 0; i--) rollbacks[i]!();
      const error = cause instanceof BusError ? cause : new BusError(`committing to the bus: ${(cause as Error).message}`, { kind: 'unavailable', cause });
      if (onError) onError(error);
      else this.#log?.('warn', `${error.message}; retrying ${ops.length} writes one by one`);
      return false;
    }
    const ms = performance.now() - started;
    this.stats.commits++;
    this.stats.ops += ops.length;
    this.stats.commitMsTotal += ms;
    if (ms > this.stats.maxCommitMs) this.stats.maxCommitMs = ms;
    let bucket = 0;
    while (bucket < COMMIT_MS_BUCKETS.length && ms > COMMIT_MS_BUCKETS[bucket]!) bucket++;
    this.stats.commitMsHistogram[bucket]!++;
    for (const fn of commits) fn();
    for (let i = 0; i < ops.length; i++) ops[i]!.resolve(results[i]);
    return true;
  }
}
