import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStatsChannel, type StatsChannel } from './channel.ts';
import { startStatsPublisher } from './publisher.ts';
import type { SourceBody, StatsSnapshot } from './snapshot.ts';
import { iso, T0 } from './testing.ts';

const body = (received: number): SourceBody => ({
  counters: { received, accepted: received, duplicates: 0, blocked: 0, rejected: 0, failed: 0 },
  violations: [],
  violationCount: 0,
});

async function collect(channel: StatsChannel): Promise<{ got: StatsSnapshot[]; errors: Error[] }> {
  const got: StatsSnapshot[] = [];
  const errors: Error[] = [];
  await channel.subscribe((s) => got.push(s), { onError: (e) => errors.push(e) });
  return { got, errors };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('startStatsPublisher', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('publishes at once, then every interval, and a final snapshot on stop', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const channel = createMemoryStatsChannel();
    const { got } = await collect(channel);
    let n = 0;
    let clock = T0;
    const pub = startStatsPublisher({
      channel, kind: 'source', name: 'web', namespace: 'shop', pod: 'ingest-1',
      intervalMs: 5_000, startedAt: T0 - 60_000, now: () => clock, snapshot: () => body(++n),
    });
    await settle();
    expect(got).toHaveLength(1);
    clock += 5_000;
    vi.advanceTimersByTime(5_000);
    await settle();
    await settle();
    expect(got).toHaveLength(2);
    await pub.stop();
    await settle();
    await pub.publishNow();
    await settle();
    expect(got.map((s) => [s.kind === 'source' && s.counters.received, s.final ?? false])).toEqual([[1, false], [2, false], [3, true]]);
    expect(got[1]).toMatchObject({ v: 1, kind: 'source', name: 'web', namespace: 'shop', pod: 'ingest-1', at: iso(T0 + 5_000), windowStart: iso(T0 - 60_000), intervalMs: 5_000 });
    await channel.close();
  });

  it('skips a round when there is nothing to report and reports failures without throwing', async () => {
    const channel = createMemoryStatsChannel();
    const { got } = await collect(channel);
    const errors: Error[] = [];
    let calls = 0;
    const snapshot = (): SourceBody | undefined => (calls++ === 0 ? undefined : body(5));
    const pub = startStatsPublisher({ channel, kind: 'source', name: 'web', namespace: 'shop', pod: 'p', snapshot, onError: (e) => errors.push(e) });
    await pub.publishNow();
    await settle();
    expect(got).toHaveLength(0);
    await channel.close();
    await pub.publishNow();
    expect(errors.map((e) => e.message)).toEqual(['publishing stats: the channel is closed']);
    await pub.stop();
  });
});

describe('createMemoryStatsChannel', () => {
  it('hands decoded snapshots to every subscriber and routes handler failures to onError', async () => {
    const channel = createMemoryStatsChannel();
    const a = await collect(channel);
    const errors: Error[] = [];
    const sub = await channel.subscribe(() => {
      throw new Error('boom');
    }, { onError: (e) => errors.push(e) });
    const pub = startStatsPublisher({ channel, kind: 'source', name: 'web', namespace: 'shop', pod: 'p', snapshot: () => body(1) });
    await settle();
    expect(a.got).toHaveLength(1);
    expect(errors.map((e) => e.message)).toEqual(['handling the stats of source shop/web: boom']);
    await sub.close();
    await pub.publishNow();
    await settle();
    expect(a.got).toHaveLength(2);
    expect(errors).toHaveLength(1);
    await pub.stop();
    await channel.close();
  });
});
