import { describe, expect, it } from 'vitest';
import { destinationSnapshot, iso, sourceSnapshot, T0 } from '../../../runtime/src/observe/feedback/testing.ts';
import type { SourceCounters, ViolationSample } from '../../../runtime/src/observe/feedback/snapshot.ts';
import { Aggregator, type DestinationFeedFields, type ObjectRef, type SourceFeedFields } from './aggregate.ts';

const SEC = 1_000;
const MIN = 60_000;
const WEB: ObjectRef = { kind: 'Source', namespace: 'shop', name: 'web' };
const META: ObjectRef = { kind: 'Destination', namespace: 'shop', name: 'meta-ads' };
const PLAN: ObjectRef = { kind: 'TrackingPlan', namespace: 'shop', name: 'storefront' };

const counters = (received: number, over: Partial<SourceCounters> = {}): SourceCounters => ({
  received, accepted: received, duplicates: 0, blocked: 0, rejected: 0, failed: 0, ...over,
});
const src = (pod: string, at: number, received: number, over: Parameters<typeof sourceSnapshot>[0] = {}) =>
  sourceSnapshot({ pod, at: iso(at), counters: counters(received), ...(received > 0 ? { lastEventTime: iso(at - SEC) } : {}), ...over });
const sourceFields = (a: Aggregator, now: number) => a.view(WEB, now)?.fields as SourceFeedFields;
const destFields = (a: Aggregator, now: number) => a.view(META, now)?.fields as DestinationFeedFields;
const violation = (field: string, count: number, lastSeen = iso(T0)): ViolationSample => ({
  event: 'Order Completed', field, kind: 'type', message: `${field}: expected number, got string`, count, lastSeen, sampleMessageId: `m-${field}`,
});

describe('Aggregator window counts', () => {
  it('sums the counter differences of two pods', () => {
    const a = new Aggregator();
    a.add(src('a', T0, 10), T0);
    a.add(src('b', T0, 5), T0);
    a.add(src('a', T0 + 5 * SEC, 25), T0 + 5 * SEC);
    a.add(src('b', T0 + 5 * SEC, 6), T0 + 5 * SEC);
    // Both pods started a minute before T0, inside the window: everything they counted is recent.
    expect(sourceFields(a, T0 + 5 * SEC)).toMatchObject({ received: 31, accepted: 31, blocked: 0, rejected: 0 });
  });

  it('takes the first reading of a pod that started before the window as a baseline only', () => {
    const a = new Aggregator();
    const old = iso(T0 - 2 * 3_600_000);
    a.add(src('a', T0, 1_000, { windowStart: old }), T0);
    expect(sourceFields(a, T0).received).toBe(0);
    a.add(src('a', T0 + 5 * SEC, 1_012, { windowStart: old }), T0 + 5 * SEC);
    expect(sourceFields(a, T0 + 5 * SEC).received).toBe(12);
  });

  it('counts a restarted pod from zero again, never negative', () => {
    const a = new Aggregator();
    a.add(src('a', T0, 100), T0);
    // Same pod name, counters reset: the new process counted 7.
    a.add(src('a', T0 + 10 * SEC, 7, { windowStart: iso(T0 + 5 * SEC) }), T0 + 10 * SEC);
    expect(sourceFields(a, T0 + 10 * SEC).received).toBe(107);
    // A counter that went down with an unchanged windowStart is a restart too.
    a.add(src('a', T0 + 15 * SEC, 3, { windowStart: iso(T0 + 5 * SEC) }), T0 + 15 * SEC);
    expect(sourceFields(a, T0 + 15 * SEC).received).toBe(110);
  });

  it('ignores a stale snapshot arriving after a newer one of the same process', () => {
    const a = new Aggregator();
    a.add(src('a', T0 + 5 * SEC, 20), T0 + 5 * SEC);
    expect(a.add(src('a', T0, 10), T0 + 6 * SEC)).toEqual([]);
    a.add(src('a', T0 + 10 * SEC, 22), T0 + 10 * SEC);
    expect(sourceFields(a, T0 + 10 * SEC).received).toBe(22);
  });

  it('lets counts age out of the hour', () => {
    const a = new Aggregator();
    a.add(src('a', T0, 10), T0);
    expect(sourceFields(a, T0 + 30 * MIN).received).toBe(10);
    expect(sourceFields(a, T0 + 61 * MIN).received).toBe(0);
  });
});

describe('Aggregator pods that go away', () => {
  it('stops counting gauges of a pod silent for three intervals, keeping what it counted', () => {
    const a = new Aggregator();
    a.add(destinationSnapshot({ pod: 'a', lag: 100, p95LatencyMs: 80, counters: { ...destinationSnapshot().counters, delivered: 4 } }), T0);
    a.add(destinationSnapshot({ pod: 'b', lag: 20, p95LatencyMs: 300 }), T0);
    expect(destFields(a, T0)).toMatchObject({ lag: 120, p95LatencyMs: 300, delivered: 4 });

    a.add(destinationSnapshot({ pod: 'b', at: iso(T0 + 14 * SEC), lag: 25, p95LatencyMs: 250 }), T0 + 14 * SEC);
    expect(a.expire(T0 + 15 * SEC)).toEqual([]);
    expect(a.expire(T0 + 15 * SEC + 1)).toEqual([META]);
    expect(destFields(a, T0 + 16 * SEC)).toMatchObject({ lag: 25, p95LatencyMs: 250, delivered: 4 });
  });

  it('drops a pod at once on its final snapshot', () => {
    const a = new Aggregator();
    a.add(src('a', T0, 1, { violations: [violation('revenue', 3)], violationCount: 3 }), T0);
    a.add(src('a', T0 + SEC, 1, { violations: [violation('revenue', 3)], violationCount: 3, final: true }), T0 + SEC);
    expect(sourceFields(a, T0 + SEC).topViolations).toEqual([]);
    expect(sourceFields(a, T0 + SEC).received).toBe(1);
  });

  it('does not count a pod twice when it comes back after a partition', () => {
    const a = new Aggregator();
    a.add(src('a', T0, 10), T0);
    a.expire(T0 + MIN);
    a.add(src('a', T0 + 2 * MIN, 15), T0 + 2 * MIN);
    expect(sourceFields(a, T0 + 2 * MIN).received).toBe(15);
  });

  it('keeps gauges as last known (absent) when no pod reports', () => {
    const a = new Aggregator();
    a.add(destinationSnapshot({ pod: 'a', lag: 9 }), T0);
    a.expire(T0 + MIN);
    expect(destFields(a, T0 + MIN)).not.toHaveProperty('lag');
    expect(a.view(META, T0 + MIN)?.conditions[0]).toMatchObject({ type: 'Delivering', status: 'Unknown', reason: 'NoReports' });
  });
});

describe('Aggregator merges', () => {
  it('sums violations per (event, field, kind) across pods, most frequent first, capped', () => {
    const a = new Aggregator({ maxViolations: 2 });
    a.add(src('a', T0, 1, { violations: [violation('revenue', 5), violation('currency', 4)] }), T0);
    a.add(src('b', T0, 1, { violations: [violation('revenue', 2, iso(T0 + SEC)), violation('coupon', 6)] }), T0);
    expect(sourceFields(a, T0).topViolations).toEqual([
      { ...violation('revenue', 7), lastSeen: iso(T0 + SEC) },
      violation('coupon', 6),
    ]);
  });

  it('sums the violations of a TrackingPlan over the Sources enforcing it', () => {
    const a = new Aggregator();
    expect(a.add(src('a', T0, 1, { trackingPlan: 'storefront', violationCount: 4 }), T0)).toEqual([WEB, PLAN]);
    a.add(sourceSnapshot({ name: 'app', pod: 'c', trackingPlan: 'storefront', violationCount: 6 }), T0);
    a.add(sourceSnapshot({ name: 'other', pod: 'd', trackingPlan: 'elsewhere', violationCount: 100 }), T0);
    expect(a.view(PLAN, T0)?.fields).toEqual({ violations: 10 });
    expect(a.refs()).toContainEqual(PLAN);
    expect(a.view({ ...PLAN, name: 'unknown' }, T0)).toBeUndefined();
  });

  it('reports the latest last error, redacted', () => {
    const a = new Aggregator({ redact: (t) => t.replaceAll('s3cr3t-token', '[redacted]') });
    a.add(destinationSnapshot({ pod: 'a', lastError: { time: iso(T0 + 2 * SEC), code: '401', message: 'answered 401 for s3cr3t-token' } }), T0);
    a.add(destinationSnapshot({ pod: 'b', lastError: { time: iso(T0 + SEC), code: '500', message: 'older' } }), T0);
    expect(destFields(a, T0).lastError).toEqual({ time: iso(T0 + 2 * SEC), code: '401', message: 'answered 401 for [redacted]' });
  });

  it('evicts the least recently heard object past maxObjects', () => {
    const a = new Aggregator({ maxObjects: 2 });
    a.add(sourceSnapshot({ name: 'one' }), T0);
    a.add(sourceSnapshot({ name: 'two' }), T0);
    a.add(sourceSnapshot({ name: 'one', at: iso(T0 + SEC) }), T0 + SEC);
    a.add(sourceSnapshot({ name: 'three' }), T0 + SEC);
    expect(a.refs().map((r) => r.name).sort()).toEqual(['one', 'three']);
  });
});

describe('Aggregator conditions', () => {
  it('turns EventsFlowing False after the Source went silent for its silenceAfter', () => {
    const a = new Aggregator();
    a.add(src('a', T0, 5, { lastEventTime: iso(T0), silenceAfterMs: 10 * MIN }), T0);
    expect(a.view(WEB, T0 + 9 * MIN)?.conditions).toEqual([{ type: 'EventsFlowing', status: 'True', reason: 'EventsReceived', message: 'last event at 2025-03-01T14:00:00Z' }]);
    expect(a.view(WEB, T0 + 10 * MIN)?.conditions).toEqual([
      { type: 'EventsFlowing', status: 'False', reason: 'NoEventsReceived', message: 'no events since 2025-03-01T14:00:00Z (silenceAfter 10m)' },
    ]);
  });

  it('says Delivering False after three failed attempts with no delivery, and True again after one', () => {
    const a = new Aggregator();
    const base = destinationSnapshot().counters;
    const err = { time: iso(T0 + 2 * SEC), code: '401', message: 'answered 401: Invalid OAuth access token' };
    a.add(destinationSnapshot({ lastDeliveryTime: iso(T0 - MIN), counters: { ...base, delivered: 10 }, credentialsSecret: 'meta-token' }), T0);
    a.add(destinationSnapshot({ at: iso(T0 + 5 * SEC), lastDeliveryTime: iso(T0 - MIN), lastError: err, counters: { ...base, delivered: 10, failed: 2 }, credentialsSecret: 'meta-token' }), T0 + 5 * SEC);
    expect(a.view(META, T0 + 5 * SEC)?.conditions[0]).toMatchObject({ status: 'True', reason: 'Delivering' });
    a.add(destinationSnapshot({ at: iso(T0 + 10 * SEC), lastDeliveryTime: iso(T0 - MIN), lastError: { ...err, time: iso(T0 + 9 * SEC) }, counters: { ...base, delivered: 10, failed: 5 }, credentialsSecret: 'meta-token', lag: 12_480 }), T0 + 10 * SEC);
    expect(a.view(META, T0 + 10 * SEC)?.conditions[0]).toEqual({
      type: 'Delivering',
      status: 'False',
      reason: 'DeliveryFailing',
      message: '401 from the API since 14:00 UTC, credentials rejected (secret meta-token): answered 401: Invalid OAuth access token',
    });
    expect(destFields(a, T0 + 10 * SEC)).toMatchObject({ failed: 5, lag: 12_480, delivered: 10 });
    a.add(destinationSnapshot({ at: iso(T0 + 15 * SEC), lastDeliveryTime: iso(T0 + 14 * SEC), lastError: { ...err, time: iso(T0 + 9 * SEC) }, counters: { ...base, delivered: 11, failed: 5 } }), T0 + 15 * SEC);
    expect(a.view(META, T0 + 15 * SEC)?.conditions[0]).toMatchObject({ status: 'True', reason: 'Delivering' });
  });

  it('carries last times and the last error over from the status already written', () => {
    const a = new Aggregator();
    a.track(META);
    a.seed(META, { lastDeliveryTime: iso(T0 - MIN), lastError: { time: iso(T0 - 2 * MIN), code: '500', message: 'answered 500' } });
    expect(destFields(a, T0)).toMatchObject({ lastDeliveryTime: iso(T0 - MIN), lastError: { code: '500' } });
  });
});
