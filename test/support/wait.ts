import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Describes what is awaited, for the timeout message. */
  what?: string;
  /** Extra detail appended to the timeout message (e.g. a process's output). */
  detail?: () => string;
}

export class WaitTimeoutError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'WaitTimeoutError';
  }
}

/** Thrown by a probe to end the wait at once (e.g. the awaited process has exited). */
export class StopWaiting extends Error {
  override name = 'StopWaiting';
}

/**
 * Polls `probe` until it returns a value other than undefined/false and returns that value.
 * A probe that throws counts as "not yet" (its last error is reported on timeout), except
 * StopWaiting, which is rethrown.
 */
export async function waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const last = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      const detail = opts.detail ? `\n${opts.detail()}` : '';
      throw new WaitTimeoutError(`waiting for ${opts.what ?? 'a condition'}: not true after ${timeoutMs} ms${last}${detail}`, {
        cause: lastError,
      });
    }
    await sleep(intervalMs);
  }
}
