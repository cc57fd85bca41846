import { describe, expect, it } from 'vitest';
import { createMemoryStatsChannel, type StatsChannel } from './channel.ts';
import { lazyStatsChannel, PodStats } from './pod.ts';
import type { SourceBody, StatsSnapshot } from './snapshot.ts';
import { destinationSnapshot, T0 } from './testing.ts';

const body = (received: number): SourceBody => ({
  counters: { received, accepted: received, duplicates: 0, blocked: 0, rejected: 0, failed: 0 },
  violations: [],
  violationCount: 0,
});
const settle = () => new Promise((r) => setImmediate(r));

async function listen(channel: StatsChannel): Promise<StatsSnapshot[]> {
  const got: StatsSnapshot[] = [];
  await channel.subscribe((s) => got.push(s));
  return got;
}

describe('PodStats', () => {
  it('publishes for each resource served, a final snapshot for one dropped, and for all on stop', async () => {
    const channel = createMemoryStatsChannel();
    const got = await listen(channel);
    const pod = new PodStats({ channel, namespace: 'shop', pod: 'ingest-web-1', intervalMs: 60_000 });
    let web = 1;
    await pod.serve('source', [
      { name: 'web', snapshot: () => body(web) },
      { name: 'app', snapshot: () => body(2) },
    ]);
    await settle();
    expect(got.map((s) => `${s.name} ${s.pod} ${s.final ?? false}`).sort()).toEqual(['app ingest-web-1 false', 'web ingest-web-1 false']);

    // A reload: web's body is read through the new closure, app is no longer served.
    web = 10;
    await pod.serve('source', [{ name: 'web', snapshot: () => body(web + 1) }]);
    await settle();
    expect(got.slice(2).map((s) => `${s.name} ${s.final ?? false}`)).toEqual(['app true']);

    await pod.stop();
    await settle();
    const last = got.at(-1);
    expect(last).toMatchObject({ kind: 'source', name: 'web', final: true, counters: { received: 11 } });
    await pod.serve('source', [{ name: 'late', snapshot: () => body(1) }]);
    await settle();
    expect(got.some((s) => s.name === 'late')).toBe(false);
    await channel.close();
  });
});

describe('lazyStatsChannel', () => {
  it('drops snapshots until the channel opens, retrying at most once per retryMs', async () => {
    const inner = createMemoryStatsChannel();
    const got = await listen(inner);
    let clock = T0;
    let attempts = 0;
    const errors: string[] = [];
    const lazy = lazyStatsChannel(
      () => (++attempts === 1 ? Promise.reject(new Error('connection refused')) : Promise.resolve(inner)),
      { retryMs: 5_000, now: () => clock, onError: (e) => errors.push(e.message) },
    );
    await lazy.publish(destinationSnapshot({ pod: 'p1' }));
    await settle();
    await lazy.publish(destinationSnapshot({ pod: 'p2' }));
    expect(attempts).toBe(1);
    expect(errors).toEqual(['connection refused']);
    clock += 5_000;
    await lazy.publish(destinationSnapshot({ pod: 'p3' }));
    await settle();
    await lazy.publish(destinationSnapshot({ pod: 'p4' }));
    await settle();
    expect(attempts).toBe(2);
    expect(got.map((s) => s.pod)).toEqual(['p4']);
    await lazy.close();
    await expect(lazy.publish(destinationSnapshot())).rejects.toThrow(/closed/);
    await expect(inner.publish(destinationSnapshot())).rejects.toThrow(/closed/);
  });

  it('waits for the connection for a final snapshot', async () => {
    const inner = createMemoryStatsChannel();
    const got = await listen(inner);
    const lazy = lazyStatsChannel(() => Promise.resolve(inner));
    await lazy.publish(destinationSnapshot({ final: true }));
    await settle();
    expect(got).toHaveLength(1);
    await lazy.close();
  });
});
