import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { isGone, KubeApiError } from './errors.ts';

/** How one list-and-watch round ended. */
export type WatchOutcome =
  /** The server closed the watch (its timeoutSeconds elapsed, or it went away cleanly). */
  | { kind: 'closed'; events: number; ms: number }
  /** Nothing arrived, not even a bookmark, for longer than the watch could legitimately be quiet. */
  | { kind: 'idle' }
  | { kind: 'error'; during: 'list' | 'watch'; err: unknown };

export interface Step {
  /** List everything again (and diff against the cache) before the next watch. */
  relist: boolean;
  delayMs: number;
  /** Consecutive failures after this outcome; drives the backoff. */
  failures: number;
}

/** A watch the server ends this fast without a single event is a failure, not a timeout. */
export const MIN_HEALTHY_WATCH_MS = 1_000;

/**
 * What to do after a round, mirroring client-go's reflector: 410 Gone means our version is
 * older than the server keeps, so relist at once; no answer or 429 means retry the watch
 * from where we were after a backoff; any other error relists after a backoff; a watch
 * that merely timed out is re-opened at once.
 */
export function nextStep(outcome: WatchOutcome, failures: number, backoff: BackoffOptions, random: () => number = Math.random): Step {
  switch (outcome.kind) {
    case 'closed':
      if (outcome.events === 0 && outcome.ms < MIN_HEALTHY_WATCH_MS) {
        return { relist: false, delayMs: backoffDelay(failures, backoff, random), failures: failures + 1 };
      }
      return { relist: false, delayMs: 0, failures: 0 };
    case 'idle':
      return { relist: false, delayMs: 0, failures };
    case 'error': {
      if (isGone(outcome.err)) return { relist: true, delayMs: 0, failures };
      const delayMs = backoffDelay(failures, backoff, random);
      const retryWatch = outcome.during === 'watch' && outcome.err instanceof KubeApiError && (outcome.err.status === 0 || outcome.err.status === 429);
      return { relist: !retryWatch, delayMs, failures: failures + 1 };
    }
  }
}

/** The server-side timeout of one watch: spread over [base, 2·base) so many informers do not
 * reconnect in lockstep. */
export function watchTimeoutSeconds(base: number, random: () => number = Math.random): number {
  return Math.max(1, Math.floor(base * (1 + random())));
}
