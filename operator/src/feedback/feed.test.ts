import { describe, expect, it } from 'vitest';
import { createMemoryStatsChannel } from '../../../runtime/src/observe/feedback/channel.ts';
import { destinationSnapshot, iso, sourceSnapshot, T0 } from '../../../runtime/src/observe/feedback/testing.ts';
import type { ViolationSample } from '../../../runtime/src/observe/feedback/snapshot.ts';
import type { ObjectRef } from './aggregate.ts';
import { StatusFeed } from './feed.ts';
import type { FeedEvent } from './transitions.ts';

const SEC = 1_000;
const MIN = 60_000;

function harness(opts: { redact?: (t: string) => string } = {}) {
  let now = T0;
  const events: (FeedEvent & { name: string })[] = [];
  const changes: string[] = [];
  const feed = new StatusFeed({ now: () => now, record: (ref, e) => events.push({ ...e, name: ref.name }), ...opts });
  feed.onChange((ref: ObjectRef) => changes.push(`${ref.kind}/${ref.name}`));
  return {
    feed,
    events,
    changes,
    at(ms: number) {
      now = ms;
    },
  };
}

const violation = (field: string, count = 3): ViolationSample => ({
  event: 'Order Completed', field, kind: 'type', message: `${field}: expected number, got string`, count, lastSeen: iso(T0), sampleMessageId: `m-${field}`,
});
const received = (n: number) => ({ received: n, accepted: n, duplicates: 0, blocked: 0, rejected: 0, failed: 0 });

describe('StatusFeed', () => {
  it('knows nothing about an object without stats', () => {
    const h = harness();
    h.feed.tick();
    expect(h.feed.statusFor('Source', 'shop', 'web')).toBeUndefined();
    expect(h.changes).toEqual([]);
  });

  it('publishes a status change at most once per object every 5 s, and says so', () => {
    const h = harness();
    h.feed.ingest(sourceSnapshot({ counters: received(1), lastEventTime: iso(T0) }));
    h.feed.tick();
    expect(h.changes).toEqual(['Source/web']);
    expect(h.feed.statusFor('Source', 'shop', 'web')?.fields.received).toBe(1);
    for (let i = 1; i <= 4; i++) {
      h.at(T0 + i * SEC);
      h.feed.ingest(sourceSnapshot({ at: iso(T0 + i * SEC), counters: received(1 + i), lastEventTime: iso(T0 + i * SEC) }));
      h.feed.tick();
    }
    expect(h.changes).toEqual(['Source/web']);
    expect(h.feed.statusFor('Source', 'shop', 'web')?.fields.received).toBe(1);
    h.at(T0 + 5 * SEC);
    h.feed.tick();
    expect(h.changes).toEqual(['Source/web', 'Source/web']);
    expect(h.feed.statusFor('Source', 'shop', 'web')?.fields.received).toBe(5);
    // Nothing moved: no change, no write.
    h.at(T0 + 11 * SEC);
    h.feed.tick();
    expect(h.changes).toHaveLength(2);
  });

  it('records one NewViolation Event per violation first seen', () => {
    const h = harness();
    h.feed.ingest(sourceSnapshot({ violations: [violation('revenue')], violationCount: 3 }));
    h.feed.tick();
    h.at(T0 + 6 * SEC);
    h.feed.ingest(sourceSnapshot({ at: iso(T0 + 6 * SEC), violations: [violation('revenue', 5), violation('currency')], violationCount: 8 }));
    h.feed.tick();
    expect(h.events.filter((e) => e.reason === 'NewViolation').map((e) => e.note)).toEqual([
      'Order Completed / revenue / type: revenue: expected number, got string (sample messageId m-revenue)',
      'Order Completed / currency / type: currency: expected number, got string (sample messageId m-currency)',
    ]);
  });

  it('does not announce violations the status already showed before an operator restart', () => {
    const h = harness();
    expect(h.feed.statusFor('Source', 'shop', 'web', { topViolations: [violation('revenue')] })).toBeUndefined();
    h.feed.ingest(sourceSnapshot({ violations: [violation('revenue')], violationCount: 3 }));
    h.feed.tick();
    expect(h.events.filter((e) => e.reason === 'NewViolation')).toEqual([]);
  });

  it('records source went silent and events resumed', () => {
    const h = harness();
    h.feed.ingest(sourceSnapshot({ counters: received(3), lastEventTime: iso(T0), silenceAfterMs: MIN }));
    h.feed.tick();
    h.at(T0 + MIN);
    h.feed.ingest(sourceSnapshot({ at: iso(T0 + MIN), counters: received(3), lastEventTime: iso(T0), silenceAfterMs: MIN }));
    h.feed.tick();
    expect(h.feed.statusFor('Source', 'shop', 'web')?.conditions).toEqual([
      { type: 'EventsFlowing', status: 'False', reason: 'NoEventsReceived', message: 'no events since 2025-03-01T14:00:00Z (silenceAfter 1m)' },
    ]);
    h.at(T0 + 2 * MIN);
    h.feed.ingest(sourceSnapshot({ at: iso(T0 + 2 * MIN), counters: received(4), lastEventTime: iso(T0 + 2 * MIN), silenceAfterMs: MIN }));
    h.feed.tick();
    expect(h.events.map((e) => `${e.type} ${e.reason}`)).toEqual(['Warning NoEventsReceived', 'Normal EventsResumed']);
  });

  it('records delivery failing and delivery recovered, naming the Secret, never its value', () => {
    const h = harness({ redact: (t) => t.replaceAll('EAAB-very-secret', '[redacted]') });
    const c = destinationSnapshot().counters;
    const err = { time: iso(T0), code: '401', message: 'answered 401: token EAAB-very-secret rejected' };
    h.feed.ingest(destinationSnapshot({ lastError: err, counters: { ...c, failed: 4 }, credentialsSecret: 'meta-token', lag: 12_480 }));
    h.feed.tick();
    h.at(T0 + 10 * SEC);
    h.feed.ingest(destinationSnapshot({ at: iso(T0 + 10 * SEC), lastError: err, lastDeliveryTime: iso(T0 + 9 * SEC), counters: { ...c, failed: 4, delivered: 1 } }));
    h.feed.tick();
    expect(h.events.map((e) => `${e.type} ${e.reason}: ${e.note}`)).toEqual([
      'Warning DeliveryFailing: 401 from the API since 14:00 UTC, credentials rejected (secret meta-token): answered 401: token [redacted] rejected',
      'Normal DeliveryRecovered: delivering again after: 401 from the API since 14:00 UTC, credentials rejected (secret meta-token): answered 401: token [redacted] rejected',
    ]);
    expect(JSON.stringify(h.feed.statusFor('Destination', 'shop', 'meta-ads'))).not.toContain('EAAB-very-secret');
  });

  it('reads snapshots off a channel, scrubbed of e-mails on the way', async () => {
    const h = harness();
    const channel = createMemoryStatsChannel();
    await h.feed.start(channel);
    try {
      const err = { time: iso(T0), code: '400', message: 'answered 400: invalid user jane.doe@example.com' };
      await channel.publish(destinationSnapshot({ lastError: err }));
      await new Promise((r) => setImmediate(r));
      h.feed.tick();
      const status = h.feed.statusFor('Destination', 'shop', 'meta-ads');
      expect(status?.fields.lastError).toEqual({ time: iso(T0), code: '400', message: 'answered 400: invalid user [email]' });
    } finally {
      await h.feed.stop();
      await channel.close();
    }
  });

  it('forgets a deleted object', () => {
    const h = harness();
    h.feed.ingest(sourceSnapshot());
    h.feed.tick();
    h.feed.forget('Source', 'shop', 'web');
    expect(h.feed.statusFor('Source', 'shop', 'web')).toBeUndefined();
  });
});
