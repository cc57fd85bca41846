import type { Lease } from './types.ts';

export type LeaseSpec = NonNullable<Lease['spec']>;

export interface LeaderTiming {
  /** Followers wait this long after the last renewal they saw before taking over. */
  leaseDurationMs: number;
  /** The leader gives up if it cannot renew for this long. */
  renewDeadlineMs: number;
  /** Between attempts, for leaders and followers. */
  retryPeriodMs: number;
}

export const DEFAULT_TIMING: LeaderTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** The leader must stop before a follower may start: renewDeadline < leaseDuration, with room for retries. */
export function checkTiming(t: LeaderTiming): void {
  if (!(t.leaseDurationMs > t.renewDeadlineMs)) throw new Error('configuring leader election: leaseDuration must exceed renewDeadline');
  if (!(t.renewDeadlineMs > 1.2 * t.retryPeriodMs)) throw new Error('configuring leader election: renewDeadline must exceed 1.2 × retryPeriod');
}

export type LeaseAction =
  | { kind: 'create' }
  | { kind: 'renew' }
  | { kind: 'acquire' }
  | { kind: 'wait'; holder: string; expiresInMs: number };

/**
 * What a candidate does with the lease it just read. Expiry is judged by when *we* last saw
 * the record change (observedAt, our clock), never by the holder's renewTime, so clock skew
 * between nodes cannot hand the lease to two leaders.
 */
export function decideLease(input: { identity: string; spec: LeaseSpec | undefined; observedAt: number; now: number; timing: LeaderTiming }): LeaseAction {
  const { spec, identity } = input;
  if (!spec) return { kind: 'create' };
  const holder = spec.holderIdentity ?? '';
  if (holder === identity) return { kind: 'renew' };
  if (holder === '') return { kind: 'acquire' };
  const durationMs = (spec.leaseDurationSeconds ?? input.timing.leaseDurationMs / 1000) * 1000;
  const expiresInMs = input.observedAt + durationMs - input.now;
  return expiresInMs > 0 ? { kind: 'wait', holder, expiresInMs } : { kind: 'acquire' };
}

/** Whether the lease record moved since we last looked (resets the expiry clock). */
export function recordChanged(a: LeaseSpec | undefined, b: LeaseSpec | undefined): boolean {
  return (
    a?.holderIdentity !== b?.holderIdentity ||
    a?.renewTime !== b?.renewTime ||
    a?.acquireTime !== b?.acquireTime ||
    a?.leaseTransitions !== b?.leaseTransitions ||
    a?.leaseDurationSeconds !== b?.leaseDurationSeconds
  );
}

/** The record to write for `action` (create, renew or acquire) or for a graceful release. */
export function nextLeaseSpec(
  action: 'create' | 'renew' | 'acquire' | 'release',
  current: LeaseSpec | undefined,
  identity: string,
  nowTime: string,
  timing: LeaderTiming,
): LeaseSpec {
  const transitions = current?.leaseTransitions ?? 0;
  switch (action) {
    case 'create':
      return { holderIdentity: identity, leaseDurationSeconds: Math.ceil(timing.leaseDurationMs / 1000), acquireTime: nowTime, renewTime: nowTime, leaseTransitions: 0 };
    case 'renew':
      return { ...current, holderIdentity: identity, leaseDurationSeconds: Math.ceil(timing.leaseDurationMs / 1000), renewTime: nowTime };
    case 'acquire':
      return {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(timing.leaseDurationMs / 1000),
        acquireTime: nowTime,
        renewTime: nowTime,
        // As client-go counts: every change of holder, a release's empty holder included.
        leaseTransitions: current ? transitions + 1 : transitions,
      };
    case 'release':
      // client-go's release: no holder and a 1 s duration, so a waiting candidate takes over at once.
      return { ...current, holderIdentity: '', leaseDurationSeconds: 1, renewTime: nowTime };
  }
}
