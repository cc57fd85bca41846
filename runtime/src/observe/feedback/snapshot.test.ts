import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_LIMITS, SnapshotFormatError, type ViolationSample } from './snapshot.ts';
import { destinationSnapshot, iso, sourceSnapshot, T0 } from './testing.ts';

const violation = (i: number, over: Partial<ViolationSample> = {}): ViolationSample => ({
  event: `Event ${i}`,
  field: `properties.f${i}`,
  kind: 'type',
  message: `properties.f${i}: expected number, got string`,
  count: 100 - i,
  lastSeen: iso(T0),
  sampleMessageId: `m-${i}`,
  ...over,
});

describe('stats snapshot encoding', () => {
  it('round-trips a source and a destination snapshot unchanged', () => {
    const src = sourceSnapshot({
      counters: { received: 10, accepted: 8, duplicates: 1, blocked: 1, rejected: 1, failed: 0 },
      lastEventTime: iso(T0 - 1000),
      violations: [violation(1)],
      violationCount: 3,
      trackingPlan: 'storefront',
      silenceAfterMs: 900_000,
    });
    expect(decodeSnapshot(encodeSnapshot(src))).toEqual(src);
    const dst = destinationSnapshot({
      lag: 12_480,
      p95LatencyMs: 240,
      lastDeliveryTime: iso(T0 - 5000),
      lastError: { time: iso(T0), code: '401', message: 'answered 401', messageId: 'm-9' },
      credentialsSecret: 'meta-token',
      final: true,
    });
    expect(decodeSnapshot(Buffer.from(encodeSnapshot(dst)))).toEqual(dst);
  });

  it('cuts long texts, clamps counts and the interval, and keeps at most the top violations', () => {
    const long = 'x'.repeat(5000);
    const s = sourceSnapshot({
      name: long,
      intervalMs: 10,
      counters: { received: -5, accepted: 2.7, duplicates: Number.NaN, blocked: 0, rejected: 0, failed: Infinity },
      violations: Array.from({ length: 50 }, (_, i) => violation(i, { message: long, event: long, sampleMessageId: long })),
    });
    const out = decodeSnapshot(encodeSnapshot(s));
    expect(out.name).toHaveLength(SNAPSHOT_LIMITS.name);
    expect(out.intervalMs).toBe(SNAPSHOT_LIMITS.minIntervalMs);
    expect(out.kind === 'source' && out.counters).toEqual({ received: 0, accepted: 2, duplicates: 0, blocked: 0, rejected: 0, failed: 0 });
    if (out.kind !== 'source') throw new Error('expected a source snapshot');
    expect(out.violations.length).toBeLessThanOrEqual(SNAPSHOT_LIMITS.maxViolations);
    expect(out.violations[0]?.message).toHaveLength(SNAPSHOT_LIMITS.message);
    expect(out.violations[0]?.sampleMessageId).toHaveLength(SNAPSHOT_LIMITS.messageId);
  });

  it('stays under the size limit with the largest possible texts, dropping the least frequent violations', () => {
    // Control characters take six bytes each in JSON (\u0001): texts as large as they can be.
    const wide = '\u0001'.repeat(1000);
    const s = sourceSnapshot({
      violations: Array.from({ length: 20 }, (_, i) => violation(i, { event: wide, field: wide, message: wide, kind: wide })),
    });
    const json = encodeSnapshot(s);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(SNAPSHOT_LIMITS.maxBytes);
    const out = decodeSnapshot(json);
    if (out.kind !== 'source') throw new Error('expected a source snapshot');
    expect(out.violations.length).toBeGreaterThan(0);
    expect(out.violations.length).toBeLessThan(20);
    // The most frequent are the ones kept.
    expect(out.violations.map((v) => v.count)).toEqual(Array.from({ length: out.violations.length }, (_, i) => 100 - i));
  });

  it('scrubs e-mails and credentials from violation texts and the last error', () => {
    const s = destinationSnapshot({
      lastError: { time: iso(T0), code: '400', message: 'answered 400: {"error":"bad user jane@example.com","access_token":"EAAB12345secret"}' },
    });
    const json = encodeSnapshot(s);
    expect(json).not.toContain('jane@example.com');
    expect(json).not.toContain('EAAB12345secret');
    expect(json).toContain('bad user [email]');
  });

  it.each<[string, string | Uint8Array, RegExp]>([
    ['not JSON', '{"v":1,', /not JSON/],
    ['not an object', '42', /not an object/],
    ['another version', JSON.stringify({ ...sourceSnapshot(), v: 2 }), /version 2 is not supported/],
    ['an unknown kind', JSON.stringify({ ...sourceSnapshot(), kind: 'plan' }), /unknown kind "plan"/],
    ['a negative counter', JSON.stringify(sourceSnapshot({ counters: { received: -1, accepted: 0, duplicates: 0, blocked: 0, rejected: 0, failed: 0 } })), /\/counters\/received/],
    ['a bad time', JSON.stringify(sourceSnapshot({ at: 'yesterday' })), /\/at/],
    ['too many violations', JSON.stringify(sourceSnapshot({ violations: Array.from({ length: 21 }, (_, i) => violation(i)) })), /\/violations/],
    ['a destination without state', JSON.stringify({ ...destinationSnapshot(), state: undefined }), /\/state/],
    ['too many bytes', Buffer.alloc(SNAPSHOT_LIMITS.maxBytes + 1, 32), /more than the 32768 allowed/],
  ])('refuses %s', (_what, data, message) => {
    let caught: unknown;
    try {
      decodeSnapshot(data);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SnapshotFormatError);
    expect((caught as Error).message).toMatch(message);
  });
});
