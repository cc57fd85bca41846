import { describe, expect, it } from 'vitest';
import type { ViolationSummary } from '../api/index.ts';
import { delivering, eventsFlowing, failingMessage, mergeViolations, shortTime, type DeliveryInput } from './decide.ts';

const NOW = Date.parse('2025-03-01T14:30:00Z');
const MIN = 60_000;

describe('eventsFlowing', () => {
  it.each<[string, number | undefined, number, { status: string; reason: string; message: string }]>([
    ['no traffic yet', undefined, 15 * MIN, { status: 'Unknown', reason: 'NoEventsYet', message: 'no events accepted yet' }],
    ['a recent event', NOW - 2 * MIN, 15 * MIN, { status: 'True', reason: 'EventsReceived', message: 'last event at 2025-03-01T14:28:00Z' }],
    ['silent just under silenceAfter', NOW - 15 * MIN + 1, 15 * MIN, { status: 'True', reason: 'EventsReceived', message: 'last event at 2025-03-01T14:15:00Z' }],
    ['silent for silenceAfter', NOW - 15 * MIN, 15 * MIN, { status: 'False', reason: 'NoEventsReceived', message: 'no events since 2025-03-01T14:15:00Z (silenceAfter 15m)' }],
    ['silent with a custom silenceAfter', NOW - 3 * 3_600_000, 2 * 3_600_000, { status: 'False', reason: 'NoEventsReceived', message: 'no events since 2025-03-01T11:30:00Z (silenceAfter 2h)' }],
  ])('%s', (_what, lastEventTime, silenceAfterMs, expected) => {
    expect(eventsFlowing({ lastEventTime, silenceAfterMs, now: NOW })).toEqual({ type: 'EventsFlowing', ...expected });
  });
});

describe('delivering', () => {
  const base: DeliveryInput = {
    livePods: 1, invalid: false, lastDeliveryTime: undefined, lastError: undefined, failing: undefined,
    credentialsSecret: 'meta-token', failingAfter: 3, now: NOW,
  };
  const err401 = { time: '2025-03-01T14:02:10Z', code: '401', message: 'answered 401: Invalid OAuth access token' };
  const since = Date.parse('2025-03-01T14:02:10Z');

  it.each<[string, Partial<DeliveryInput>, { status: string; reason: string; message: string }]>([
    ['nothing yet', {}, { status: 'True', reason: 'NoTraffic', message: 'nothing delivered yet, nothing failing' }],
    ['delivering', { lastDeliveryTime: NOW - 1000 }, { status: 'True', reason: 'Delivering', message: 'last delivery at 2025-03-01T14:29:59Z' }],
    ['no pod reports', { livePods: 0, lastDeliveryTime: NOW - MIN }, { status: 'Unknown', reason: 'NoReports', message: 'no delivery pod has reported recently' }],
    [
      'failing with 401: the Secret is named',
      { lastDeliveryTime: since - MIN, lastError: err401, failing: { since, failures: 40 } },
      { status: 'False', reason: 'DeliveryFailing', message: '401 from the API since 14:02 UTC, credentials rejected (secret meta-token): answered 401: Invalid OAuth access token' },
    ],
    [
      'failing, pods gone: still failing',
      { livePods: 0, lastError: err401, failing: { since, failures: 3 } },
      { status: 'False', reason: 'DeliveryFailing', message: '401 from the API since 14:02 UTC, credentials rejected (secret meta-token): answered 401: Invalid OAuth access token' },
    ],
    [
      'a couple of failed attempts: not yet failing',
      { lastDeliveryTime: since - MIN, lastError: err401, failing: { since, failures: 2 } },
      { status: 'True', reason: 'Delivering', message: 'last delivery at 2025-03-01T14:01:10Z' },
    ],
    [
      'a network error code',
      { lastError: { time: err401.time, code: 'ECONNREFUSED', message: 'sending https://hooks.example.com/x: connect ECONNREFUSED' }, failing: { since, failures: 9 }, credentialsSecret: undefined },
      { status: 'False', reason: 'DeliveryFailing', message: 'ECONNREFUSED since 14:02 UTC: sending https://hooks.example.com/x: connect ECONNREFUSED' },
    ],
    [
      'a configuration the pods cannot run',
      { invalid: true, lastError: { time: err401.time, code: 'InvalidSpec', message: 'settings.pixelId: required' } },
      { status: 'False', reason: 'InvalidConfig', message: 'the delivery pods cannot run this configuration: settings.pixelId: required' },
    ],
  ])('%s', (_what, over, expected) => {
    expect(delivering({ ...base, ...over })).toEqual({ type: 'Delivering', ...expected });
  });

  it('names the day when the failure began on another day, and the Secret only for 401 and 403', () => {
    expect(failingMessage({ time: '', code: '403', message: 'forbidden' }, Date.parse('2025-02-28T23:50:00Z'), 's', NOW)).toBe(
      '403 from the API since 2025-02-28 23:50 UTC, credentials rejected (secret s): forbidden',
    );
    expect(failingMessage({ time: '', code: '503', message: 'answered 503' }, NOW, 's', NOW)).toBe('503 from the API since 14:30 UTC: answered 503');
    expect(shortTime(NOW, NOW)).toBe('14:30 UTC');
  });
});

describe('mergeViolations', () => {
  const v = (event: string, field: string, count: number, lastSeen: string, sample: string, message = `${field}: expected number, got string`): ViolationSummary => ({
    event, field, kind: 'type', message, count, lastSeen, sampleMessageId: sample,
  });

  it('sums counts per (event, field, kind) across pods, keeps the latest sample, sorts and caps', () => {
    const a = [v('Order Completed', 'properties.revenue', 700, '2025-03-01T14:20:00Z', 'a1'), v('Signed Up', 'properties.plan', 5, '2025-03-01T14:00:00Z', 'a2')];
    const b = [v('Order Completed', 'properties.revenue', 504, '2025-03-01T14:28:00Z', 'b1', 'newer message'), v('Product Viewed', 'properties.sku', 5, '2025-03-01T14:10:00Z', 'b2')];
    expect(mergeViolations([{ violations: a }, { violations: b }], 10)).toEqual([
      v('Order Completed', 'properties.revenue', 1204, '2025-03-01T14:28:00Z', 'b1', 'newer message'),
      v('Product Viewed', 'properties.sku', 5, '2025-03-01T14:10:00Z', 'b2'),
      v('Signed Up', 'properties.plan', 5, '2025-03-01T14:00:00Z', 'a2'),
    ]);
    expect(mergeViolations([{ violations: a }, { violations: b }], 1).map((x) => x.count)).toEqual([1204]);
    expect(mergeViolations([], 10)).toEqual([]);
  });

  it('keeps kinds of the same field apart', () => {
    const req: ViolationSummary = { event: 'E', field: 'properties.x', kind: 'required', message: 'properties.x is required', count: 1, lastSeen: '2025-03-01T14:00:00Z' };
    const typ: ViolationSummary = { ...req, kind: 'type', message: 'properties.x: expected number, got string' };
    expect(mergeViolations([{ violations: [req] }, { violations: [typ] }], 10)).toHaveLength(2);
  });
});
