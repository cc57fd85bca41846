import type { Informers } from '../controllers/informers.ts';
import type { EventRecorder } from '../kube/events.ts';
import { objectKey } from '../kube/keys.ts';
import type { Logger } from '../kube/log.ts';
import { openNatsStatsChannel } from '../../../runtime/src/bus/nats/stats.ts';
import type { ObjectRef } from './aggregate.ts';
import { recordWith, StatusFeed } from './feed.ts';
import { subscribeFeed, type FeedSubscription } from './wire.ts';

export interface Feedback {
  feed: StatusFeed;
  subscription: FeedSubscription;
}

/**
 * The operator's status feed on the NATS bus the runtime pods publish their stats to. It
 * runs on every replica, so a new leader starts with warm counts; Events are recorded only
 * while `leading()`, so a standby never speaks for the leader.
 */
export function startFeedback(opts: {
  servers: string[];
  informers: Pick<Informers, 'sources' | 'destinations' | 'trackingPlans'>;
  recorder: EventRecorder;
  leading: () => boolean;
  log: Logger;
}): Feedback {
  const { informers } = opts;
  const lookup = (ref: ObjectRef) => {
    const key = objectKey(ref.namespace, ref.name);
    if (ref.kind === 'Source') return informers.sources.get(key);
    if (ref.kind === 'Destination') return informers.destinations.get(key);
    return informers.trackingPlans.get(key);
  };
  const record = recordWith(opts.recorder, lookup);
  const feed = new StatusFeed({
    record: (ref, e) => {
      if (opts.leading()) record(ref, e);
    },
    // A malformed snapshot is one pod's problem; it must not fill the operator's log.
    onError: (err) => opts.log.debug(`reading runtime stats: ${err.message}`),
  });
  const subscription = subscribeFeed(feed, () => openNatsStatsChannel({ servers: opts.servers, name: 'sluice-operator-stats', connectTimeoutMs: 2_000 }), { log: opts.log });
  return { feed, subscription };
}
