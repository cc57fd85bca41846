import { objectKey } from '../kube/keys.ts';
import type { WatchSource } from '../kube/controller.ts';
import type { Logger } from '../kube/log.ts';
import type { StatsChannel } from '../../../runtime/src/observe/feedback/channel.ts';
import type { FeedKind } from './aggregate.ts';
import type { StatusFeed } from './feed.ts';

/** Wakes a controller for each object of `kind` whose feedback status changed. */
export function feedWatch(feed: StatusFeed, kind: FeedKind): WatchSource {
  return {
    name: `feedback-${kind}`,
    start: () => {},
    hasSynced: () => true,
    waitForSync: () => Promise.resolve(),
    subscribe: (enqueue) => feed.onChange((ref) => {
      if (ref.kind === kind) enqueue(objectKey(ref.namespace, ref.name));
    }),
  };
}

export interface FeedSubscription {
  stop(): Promise<void>;
}

/**
 * Keeps the feed listening on a stats channel: opens it (the bus may come up after the
 * operator), subscribes, and on failure tries again after `retryMs`. Once open, the NATS
 * client reconnects and re-subscribes on its own.
 */
export function subscribeFeed(feed: StatusFeed, open: () => Promise<StatsChannel>, opts: { retryMs?: number; log?: Logger } = {}): FeedSubscription {
  const retryMs = opts.retryMs ?? 5_000;
  const stopping = new AbortController();
  let channel: StatsChannel | undefined;
  const running = (async () => {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      try {
        const c = await open();
        if (stopping.signal.aborted) {
          await c.close();
          return;
        }
        channel = c;
        await feed.start(c);
        opts.log?.info('listening for runtime stats');
        return;
      } catch (err) {
        await channel?.close().catch(() => undefined);
        channel = undefined;
        // The first failure is news; the same failure every few seconds is not.
        const line = `listening for runtime stats: ${(err as Error).message}; retrying`;
        if (attempt === 0) opts.log?.warn(line, { retryInMs: retryMs });
        else opts.log?.debug(line);
        await sleep(retryMs, stopping.signal);
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await running;
      await feed.stop();
      await channel?.close();
      channel = undefined;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
