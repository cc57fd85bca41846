import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { countOf, metricValue, pipeline, publishBatches, recentOf, trackEvents, waitFor, type Receiver, type Sluice } from '../support/index.ts';

const h = useHarness();
const keys = { flaky: `wk-flaky-${randomUUID()}`, broken: `wk-broken-${randomUUID()}`, limited: `wk-limited-${randomUUID()}` };
const receivers = {} as Record<keyof typeof keys, Receiver>;
let sluice: Sluice;

const REJECTION = '{"error":"invalid pixel id 123","code":"BAD_PIXEL"}';

beforeAll(async () => {
  receivers.flaky = await h.receiver({ behaviour: { kind: 'fail', status: 503, forMs: 3000 } });
  receivers.broken = await h.receiver({ behaviour: { kind: 'fail', status: 400, body: REJECTION } });
  receivers.limited = await h.receiver({ behaviour: { kind: 'fail', status: 429, headers: { 'retry-after': '1' }, forRequests: 1 } });
  sluice = await h.sluice({
    manifests: (Object.keys(keys) as Array<keyof typeof keys>).flatMap((name) =>
      pipeline({ name, writeKey: keys[name], webhookUrl: receivers[name].url }),
    ),
  });
});

describe('destination outages', () => {
  it('retries through a 503 outage and delivers everything once it recovers', async () => {
    const r = receivers.flaky;
    const sent = await publishBatches(sluice.url, keys.flaky, trackEvents(500, 'flaky'));
    expect(sent.acked).toHaveLength(500);
    await r.waitForDelivered(sent.acked, 30_000);
    expect(r.requests.filter((q) => q.status === 503).length, 'requests answered 503 during the outage').toBeGreaterThan(0);
    expect(r.deliveredCount).toBe(500);
    expect(r.duplicates).toBe(0);
    const status = await sluice.status();
    expect(countOf(status.deadLetters['flaky-hook'])).toBe(0);
    expect(status.destinations['flaky-hook']?.delivered).toBe(500);
  });

  it('dead-letters events a destination rejects with 400, with the status and a body excerpt, without retrying', async () => {
    const r = receivers.broken;
    const sent = await publishBatches(sluice.url, keys.broken, trackEvents(50, 'broken'));
    expect(sent.acked).toHaveLength(50);
    const status = await waitFor(
      async () => {
        const s = await sluice.status();
        return countOf(s.deadLetters['broken-hook']) >= 50 ? s : undefined;
      },
      { timeoutMs: 20_000, what: '50 events dead-lettered for broken-hook' },
    );
    expect(countOf(status.deadLetters['broken-hook'])).toBe(50);
    const recent = recentOf(status.deadLetters['broken-hook']);
    expect(recent.length, 'dead-letter entries listed in /status').toBeGreaterThan(0);
    for (const entry of recent) {
      expect(entry.status).toBe(400);
      expect(String(entry.bodyExcerpt)).toContain('invalid pixel id 123');
      expect(sent.acked).toContain((entry.event as { messageId?: string } | undefined)?.messageId);
    }
    // A 400 is permanent: each event was attempted once.
    for (const id of sent.acked) expect(r.attempts(id), `attempts of ${id}`).toBe(1);
    expect(r.deliveredCount).toBe(0);
    expect(String(status.destinations['broken-hook']?.lastError?.code)).toBe('400');
    expect(metricValue(await sluice.metrics(), 'sluice_delivery_events_total', { destination: 'broken-hook', result: 'dead_lettered' })).toBe(50);
  });

  it('waits as long as Retry-After says after a 429', async () => {
    const r = receivers.limited;
    const sent = await publishBatches(sluice.url, keys.limited, trackEvents(10, 'limited'));
    await r.waitForDelivered(sent.acked, 20_000);
    const [throttled, retried] = r.requests;
    expect(throttled?.status).toBe(429);
    expect(retried?.status).toBe(200);
    // The configured backoff is at most 300 ms; Retry-After asks for a second.
    expect(retried!.at - throttled!.at).toBeGreaterThanOrEqual(900);
  });
});
