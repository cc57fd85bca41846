import { describe, expect, it } from 'vitest';
import { createMemoryStatsChannel } from '../../../runtime/src/observe/feedback/channel.ts';
import { destinationSnapshot, sourceSnapshot } from '../../../runtime/src/observe/feedback/testing.ts';
import { StatusFeed } from './feed.ts';
import { feedWatch, subscribeFeed } from './wire.ts';

const until = async (ok: () => boolean, what: string): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error(`waiting for ${what}`);
};

describe('feedWatch', () => {
  it('enqueues the changed objects of its kind only, by namespace/name', () => {
    const feed = new StatusFeed();
    const keys: string[] = [];
    const w = feedWatch(feed, 'Destination');
    expect(w.hasSynced()).toBe(true);
    const unsubscribe = w.subscribe((k) => keys.push(k));
    feed.ingest(sourceSnapshot());
    feed.ingest(destinationSnapshot());
    feed.tick();
    expect(keys).toEqual(['shop/meta-ads']);
    unsubscribe();
    feed.ingest(destinationSnapshot({ pod: 'other', lag: 5 }));
    feed.tick();
    expect(keys).toHaveLength(1);
  });
});

describe('subscribeFeed', () => {
  it('keeps trying to open the channel, then feeds what arrives; stop closes it', async () => {
    const feed = new StatusFeed({ minIntervalMs: 0 });
    const channel = createMemoryStatsChannel();
    let attempts = 0;
    const sub = subscribeFeed(feed, () => (++attempts < 3 ? Promise.reject(new Error('connection refused')) : Promise.resolve(channel)), { retryMs: 5 });
    await until(() => attempts >= 3, 'the third attempt');
    await until(() => {
      void channel.publish(sourceSnapshot({ lastEventTime: '2025-03-01T14:00:00.000Z' })).catch(() => undefined);
      feed.tick();
      return feed.statusFor('Source', 'shop', 'web') !== undefined;
    }, 'the snapshot in the feed');
    expect(feed.statusFor('Source', 'shop', 'web')?.fields.lastEventTime).toBe('2025-03-01T14:00:00.000Z');
    await sub.stop();
    await expect(channel.publish(sourceSnapshot())).rejects.toThrow(/closed/);
    expect(attempts).toBe(3);
  });

  it('stops while the bus is still unreachable', async () => {
    const feed = new StatusFeed();
    let attempts = 0;
    const sub = subscribeFeed(feed, () => (attempts++, Promise.reject(new Error('no route to host'))), { retryMs: 60_000 });
    await until(() => attempts === 1, 'the first attempt');
    const t = Date.now();
    await sub.stop();
    expect(Date.now() - t).toBeLessThan(1_000);
    expect(attempts).toBe(1);
  });
});
