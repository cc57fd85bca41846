import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../event.ts';
import { compileFilter } from '../mapping/cel.ts';
import { backoffDelay } from './backoff.ts';
import { consentAllows, decideFailure, integrationsAllow, routeEvent, type RetryPolicy } from './decide.ts';
import { DeliveryError } from './types.ts';

const event = (extra: Partial<SegmentEvent> = {}): SegmentEvent => ({
  type: 'track',
  event: 'Order Completed',
  messageId: 'm1',
  userId: 'u1',
  timestamp: '2024-05-01T10:00:00Z',
  receivedAt: '2024-05-01T10:00:00Z',
  ...extra,
});

describe('integrationsAllow', () => {
  const names = ['meta-ads', 'Facebook Conversions API'];
  it.each<[string, unknown, boolean]>([
    ['no integrations object', undefined, true],
    ['not an object', 'x', true],
    ['empty object', {}, true],
    ['All: true', { All: true }, true],
    ['All: false', { All: false }, false],
    ['All: false, enabled by name', { All: false, 'meta-ads': true }, true],
    ['All: false, enabled by display name', { All: false, 'Facebook Conversions API': true }, true],
    ['All: false, options object by name', { All: false, 'meta-ads': { pixel: 'x' } }, true],
    ['disabled by name', { 'meta-ads': false }, false],
    ['disabled by display name', { 'Facebook Conversions API': false }, false],
    ['name wins over display name', { 'meta-ads': true, 'Facebook Conversions API': false }, true],
    ['another destination disabled', { Mixpanel: false }, true],
    ['All: false, another enabled', { All: false, Mixpanel: true }, false],
    ['other truthy value enables', { All: false, 'meta-ads': 'yes' }, true],
    ['null falls back to All', { All: false, 'meta-ads': null }, false],
    ['0 falls back to All', { 'meta-ads': 0 }, true],
  ])('%s', (_, integrations, expected) => {
    expect(integrationsAllow(integrations, names)).toBe(expected);
  });
});

describe('consentAllows', () => {
  const prefs = (p: Record<string, unknown>) => event({ context: { consent: { categoryPreferences: p } } });
  it.each<[string, SegmentEvent, string[], boolean]>([
    ['no categories required', prefs({ advertising: false }), [], true],
    ['no context', event(), ['advertising'], true],
    ['no consent object', event({ context: { ip: '1.2.3.4' } }), ['advertising'], true],
    ['consent without preferences', event({ context: { consent: {} } }), ['advertising'], true],
    ['granted', prefs({ advertising: true }), ['advertising'], true],
    ['denied', prefs({ advertising: false }), ['advertising'], false],
    ['category missing', prefs({ analytics: true }), ['advertising'], false],
    ['all of several granted', prefs({ advertising: true, analytics: true }), ['advertising', 'analytics'], true],
    ['one of several denied', prefs({ advertising: true, analytics: false }), ['advertising', 'analytics'], false],
    ['truthy but not true', prefs({ advertising: 'yes' }), ['advertising'], false],
  ])('%s', (_, e, categories, expected) => {
    expect(consentAllows(e, categories)).toBe(expected);
  });
});

describe('routeEvent', () => {
  const filter = compileFilter('type == "track" && event in ["Order Completed"]');
  const rules = { names: ['hook', 'Webhook'], consentCategories: ['advertising'], filter };
  it.each<[string, SegmentEvent, ReturnType<typeof routeEvent>]>([
    ['delivers a matching event', event(), { deliver: true }],
    ['integrations first', event({ integrations: { All: false }, event: 'Other' }), { deliver: false, reason: 'integrations' }],
    ['then consent', event({ event: 'Other', context: { consent: { categoryPreferences: { advertising: false } } } }), { deliver: false, reason: 'consent' }],
    ['then the filter', event({ event: 'Other' }), { deliver: false, reason: 'filter' }],
    ['identify has no event name', { ...event(), type: 'identify', event: undefined }, { deliver: false, reason: 'filter' }],
  ])('%s', (_, e, expected) => {
    expect(routeEvent(e, rules)).toEqual(expected);
  });

  it('delivers everything without rules', () => {
    expect(routeEvent(event({ event: 'Other' }), { names: ['hook'], consentCategories: [] })).toEqual({ deliver: true });
  });
});

describe('backoffDelay', () => {
  const policy = { initialMs: 1000, maxMs: 60_000 };
  it.each([
    [1, 1, 1000],
    [2, 1, 2000],
    [3, 1, 4000],
    [6, 1, 32_000],
    [7, 1, 60_000],
    [100, 1, 60_000],
    [3, 0.5, 2000],
    [3, 0, 0],
    [0, 1, 1000],
  ])('attempt %i, random %d → %i ms', (attempt, r, expected) => {
    expect(backoffDelay(attempt, policy, () => r)).toBe(expected);
  });
});

describe('decideFailure', () => {
  const policy: RetryPolicy = { initialMs: 1000, maxMs: 60_000, maxAgeMs: 3_600_000 };
  const storedAt = 1_000_000;
  const ctx = (over: Partial<{ attempt: number; now: number; random: () => number }> = {}) => ({
    attempt: 1,
    storedAt,
    now: storedAt + 5000,
    policy,
    random: () => 1,
    ...over,
  });
  const retryable = (opts: { retryAfterMs?: number } = {}) => new DeliveryError('answered 503', { kind: 'retryable', status: 503, ...opts });

  it.each<[string, DeliveryError, ReturnType<typeof ctx>, ReturnType<typeof decideFailure>]>([
    ['first retry waits up to initial', retryable(), ctx(), { action: 'retry', delayMs: 1000 }],
    ['backs off exponentially', retryable(), ctx({ attempt: 4 }), { action: 'retry', delayMs: 8000 }],
    ['jitter', retryable(), ctx({ attempt: 4, random: () => 0.25 }), { action: 'retry', delayMs: 2000 }],
    ['Retry-After when longer', retryable({ retryAfterMs: 30_000 }), ctx(), { action: 'retry', delayMs: 30_000 }],
    ['backoff when Retry-After is shorter', retryable({ retryAfterMs: 10 }), ctx({ attempt: 4 }), { action: 'retry', delayMs: 8000 }],
    ['Retry-After beyond backoff.max', retryable({ retryAfterMs: 120_000 }), ctx(), { action: 'retry', delayMs: 120_000 }],
    ['last retry pulled in to maxAge', retryable(), ctx({ attempt: 10, now: storedAt + 3_590_000 }), { action: 'retry', delayMs: 10_000 }],
  ])('%s', (_, error, c, expected) => {
    expect(decideFailure(error, c)).toEqual(expected);
  });

  it('dead-letters a retryable failure once the event is older than maxAge', () => {
    const d = decideFailure(retryable(), ctx({ attempt: 42, now: storedAt + 3_600_000 }));
    expect(d.action).toBe('dead-letter');
    expect(d.action === 'dead-letter' && d.reason).toBe('gave up after 42 attempts over maxAge 1h: answered 503');
  });

  it.each(['permanent', 'auth', 'payload'] as const)('dead-letters %s errors at once', (kind) => {
    const d = decideFailure(new DeliveryError('answered 4xx', { kind }), ctx());
    expect(d).toEqual({ action: 'dead-letter', reason: `${kind}: answered 4xx` });
  });
});
