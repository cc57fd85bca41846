import { describe, expect, it } from 'vitest';
import { checkTiming, decideLease, DEFAULT_TIMING, nextLeaseSpec, recordChanged, type LeaseSpec } from './leader-policy.ts';

const held = (holder: string, extra: Partial<LeaseSpec> = {}): LeaseSpec => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  renewTime: '2026-01-01T00:00:00.000000Z',
  leaseTransitions: 1,
  ...extra,
});

describe('decideLease', () => {
  it.each<[string, LeaseSpec | undefined, number, number, unknown]>([
    ['no lease yet', undefined, 0, 0, { kind: 'create' }],
    ['we hold it', held('me'), 0, 100_000, { kind: 'renew' }],
    ['released (no holder)', held(''), 0, 0, { kind: 'acquire' }],
    ['other holder, fresh', held('other'), 10_000, 20_000, { kind: 'wait', holder: 'other', expiresInMs: 5_000 }],
    ['other holder, expired by our clock', held('other'), 10_000, 25_001, { kind: 'acquire' }],
    ['the record says 1 s (a release by an old client)', held('other', { leaseDurationSeconds: 1 }), 10_000, 11_500, { kind: 'acquire' }],
  ])('%s', (_what, spec, observedAt, now, want) => {
    expect(decideLease({ identity: 'me', spec, observedAt, now, timing: DEFAULT_TIMING })).toEqual(want);
  });

  it.each<[string, LeaseSpec | undefined, LeaseSpec | undefined, boolean]>([
    ['renewed', held('a'), held('a', { renewTime: 'later' }), true],
    ['taken over', held('a'), held('b'), true],
    ['unchanged', held('a'), held('a'), false],
    ['appeared', undefined, held('a'), true],
  ])('recordChanged: %s', (_what, a, b, want) => {
    expect(recordChanged(a, b)).toBe(want);
  });

  it('writes the records client-go writes', () => {
    const now = 'NOW';
    expect(nextLeaseSpec('create', undefined, 'me', now, DEFAULT_TIMING)).toEqual({
      holderIdentity: 'me',
      leaseDurationSeconds: 15,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    });
    expect(nextLeaseSpec('acquire', held('other'), 'me', now, DEFAULT_TIMING)).toMatchObject({ holderIdentity: 'me', leaseTransitions: 2, acquireTime: now });
    expect(nextLeaseSpec('acquire', held(''), 'me', now, DEFAULT_TIMING)).toMatchObject({ leaseTransitions: 2 });
    expect(nextLeaseSpec('renew', held('me', { acquireTime: 'A' }), 'me', now, DEFAULT_TIMING)).toMatchObject({ acquireTime: 'A', renewTime: now });
    expect(nextLeaseSpec('release', held('me'), 'me', now, DEFAULT_TIMING)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
  });

  it.each([
    [{ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, undefined],
    [{ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, /leaseDuration must exceed renewDeadline/],
    [{ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }, /renewDeadline must exceed/],
  ])('checkTiming %o', (t, err) => {
    if (err) expect(() => checkTiming(t)).toThrow(err);
    else expect(() => checkTiming(t)).not.toThrow();
  });
});
