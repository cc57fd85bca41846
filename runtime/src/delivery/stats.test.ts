import { describe, expect, it } from 'vitest';
import { clip, describeUrl, redact } from './redact.ts';
import { percentile, StatsTracker } from './stats.ts';
import { DeliveryError } from './types.ts';

describe('percentile', () => {
  it.each<[number[], number, number | undefined]>([
    [[], 0.95, undefined],
    [[7], 0.95, 7],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95, 10],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5, 5],
    [Array.from({ length: 100 }, (_, i) => 100 - i), 0.95, 95],
  ])('%j p%d', (samples, p, expected) => {
    expect(percentile(samples, p)).toBe(expected);
  });
});

describe('StatsTracker', () => {
  it('reports counts, p95 over the recent window, last delivery and last error', () => {
    const t = new StatsTracker('webhook');
    for (let i = 1; i <= 2000; i++) t.recordLatency(i < 1000 ? 1000 : 10);
    t.delivered = 5;
    t.filteredBy.consent = 2;
    t.filteredBy.filter = 1;
    t.markRetrying('a');
    t.markRetrying('b');
    t.unmarkRetrying('a');
    t.lastDeliveryTime = Date.parse('2024-05-01T10:00:00Z');
    t.recordError(new DeliveryError('answered 503', { kind: 'retryable', status: 503 }), 'm9', Date.parse('2024-05-01T10:00:01Z'));
    const s = t.snapshot();
    expect(s).toMatchObject({
      type: 'webhook',
      delivered: 5,
      filtered: 3,
      filteredBy: { integrations: 0, consent: 2, filter: 1, mapping: 0 },
      retrying: 1,
      p95LatencyMs: 10,
      lastDeliveryTime: '2024-05-01T10:00:00.000Z',
      lastError: { time: '2024-05-01T10:00:01.000Z', code: '503', message: 'answered 503', messageId: 'm9' },
    });
  });

  it('uses the error code when there is no status', () => {
    const t = new StatsTracker('webhook');
    t.recordError(new DeliveryError('refused', { kind: 'retryable', code: 'ECONNREFUSED' }), undefined, 0);
    expect(t.snapshot().lastError).toEqual({ time: '1970-01-01T00:00:00.000Z', code: 'ECONNREFUSED', message: 'refused' });
  });
});

describe('redact', () => {
  it.each<[string, string[], number, string]>([
    ['token abcd1234 rejected', ['abcd1234'], 512, 'token *** rejected'],
    ['a abc a', ['a', 'abc'], 512, 'a abc a'],
    ['k1=secret-one k2=secret-two secret-one', ['secret-one', 'secret-two'], 512, 'k1=*** k2=*** ***'],
    ['x'.repeat(600), [], 512, `${'x'.repeat(511)}…`],
    ['short', [], 512, 'short'],
  ])('%j', (text, secrets, limit, expected) => {
    const out = redact(text, secrets, limit);
    expect(out).toBe(expected);
    expect(out.length).toBeLessThanOrEqual(limit);
  });

  it('clip keeps text within the limit', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
  });

  it.each([
    ['https://user:pw@api.example.com:8443/v1/hook?token=abc', 'https://api.example.com:8443/v1/hook'],
    ['nonsense', '(invalid URL)'],
  ])('describeUrl %s', (url, expected) => {
    expect(describeUrl(url)).toBe(expected);
  });
});
