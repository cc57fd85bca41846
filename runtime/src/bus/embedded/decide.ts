import { BusError, type StartFrom } from '../types.ts';

/**
 * The embedded engine's decisions, free of I/O so they are table-tested: where a new
 * consumer starts, how many events it lags, how long a fetch sleeps, and the bounds every
 * caller-supplied number is held to.
 */

export const LIMITS = {
  maxPublishEvents: 50_000,
  maxNameLength: 253,
  maxMessageIdLength: 1_000,
  maxFetch: 10_000,
  maxWaitMs: 300_000,
  maxDelayMs: 7 * 24 * 3_600_000,
  defaultListLimit: 100,
  maxListLimit: 10_000,
  maxReasonLength: 2_000,
  maxExcerptLength: 4_096,
} as const;

/** A stored event as the binary search sees it. */
export interface SeqProbe {
  seq: number;
  storedAt: number;
}

/**
 * The first sequence number whose event was stored at or after `time`, searching
 * [first, last] with `probe(seq)` returning the first stored event at or after seq.
 * Relies on stored_at never decreasing along a source's sequence (the engine enforces it),
 * and tolerates gaps. Returns last + 1 when every event is older.
 */
export function firstSeqAtOrAfter(first: number, last: number, time: number, probe: (seq: number) => SeqProbe | undefined): number {
  let lo = first;
  let hi = last + 1;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = probe(mid);
    if (found === undefined || found.storedAt >= time) hi = mid;
    else lo = found.seq + 1;
  }
  const at = probe(lo);
  return at === undefined || at.seq > last ? last + 1 : at.seq;
}

/**
 * The consumer's delivered cursor when it is created: everything at or below it counts as
 * already handed out. `now` starts after the newest event; `time` just before the first
 * event stored at or after that time (older ones may already be pruned).
 */
export function initialCursor(startFrom: StartFrom, lastSeq: number, firstSeqAtOrAfterTime: (time: number) => number): number {
  if (startFrom.kind === 'now') return lastSeq;
  return firstSeqAtOrAfterTime(startFrom.time.getTime()) - 1;
}

/**
 * Events a consumer has not acknowledged: those stored after its cursor that still exist,
 * plus those handed out and not yet acked (in flight, nak'ed or replayed).
 */
export function lagOf(s: { lastSeq: number; firstSeq: number; cursor: number; unacked: number }): number {
  const undelivered = s.lastSeq - Math.max(s.cursor, s.firstSeq - 1);
  return Math.max(0, undelivered) + s.unacked;
}

/** How long an empty fetch sleeps before looking again: until the deadline, or the next nak'ed event is due. */
export function sleepFor(remainingMs: number, nextDueAt: number | undefined, now: number): number {
  if (remainingMs <= 0) return 0;
  if (nextDueAt === undefined) return remainingMs;
  return Math.max(0, Math.min(remainingMs, nextDueAt - now));
}

/** Whether the current de-duplication generation must give way to a new one. */
export function shouldRotate(gen: { startedAt: number; size: number }, now: number, windowMs: number, maxEntries: number): boolean {
  return now - gen.startedAt >= windowMs || gen.size >= maxEntries;
}

/** After a wait that gathered no more writes, how long groups commit at once again, ms. */
export const COMMIT_WAIT_RETRY_MS = 100;

/**
 * How long queued writes wait before their group commits. Only when the last commit held
 * more than one write — writers overlap, so waiting may gather more — and then for the
 * rest of `intervalMs` since that commit began. A wait that gathered nothing (a few writers
 * that each wait for their commit: no one else comes) is not tried again for
 * COMMIT_WAIT_RETRY_MS, so such writers lose at most a percent or so of their speed.
 */
export function commitDelay(last: { sinceMs: number; writes: number; sinceUselessWaitMs: number }, intervalMs: number): number {
  if (last.writes < 2 || last.sinceMs >= intervalMs || last.sinceUselessWaitMs < COMMIT_WAIT_RETRY_MS) return 0;
  return intervalMs - last.sinceMs;
}

/** The de-duplication window actually kept: never longer than the longest retention. */
export function dedupWindow(configuredMs: number, retentionMs: number): number {
  return Math.max(0, Math.min(configuredMs, retentionMs));
}

export function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameLength) {
    throw new BusError(`checking ${what} name: expected 1 to ${LIMITS.maxNameLength} characters, got ${JSON.stringify(String(name).slice(0, 40))}`, { kind: 'invalid' });
  }
}

export function checkCount(what: string, n: number, min: number, max: number): number {
  if (!Number.isFinite(n) || n < min) {
    throw new BusError(`checking ${what}: expected a number ≥ ${min}, got ${n}`, { kind: 'invalid' });
  }
  return Math.min(Math.floor(n), max);
}

export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return LIMITS.defaultListLimit;
  return checkCount('list limit', limit, 1, LIMITS.maxListLimit);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
