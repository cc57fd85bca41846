import type { StatsChannel } from './channel.ts';
import type { DestinationBody, SourceBody, StatsSnapshot } from './snapshot.ts';

export const DEFAULT_STATS_INTERVAL_MS = 5_000;

/** What every publisher of one pod shares; PodStats passes it on for each resource. */
export interface PublisherCommon {
  channel: StatsChannel;
  /** The resource's name and namespace. */
  name: string;
  namespace: string;
  /** This pod's name (the downward API's metadata.name). */
  pod: string;
  /** Default 5 s; the operator forgets a pod that missed three. */
  intervalMs?: number;
  /** When the counters started (default: now). */
  startedAt?: number;
  now?: () => number;
  /** A publish failed (NATS down, say); the next interval tries again. */
  onError?: (err: Error) => void;
}

/** `snapshot` returns undefined while there is nothing to report (the resource is not served). */
export type StatsPublisherOptions =
  | (PublisherCommon & { kind: 'source'; snapshot: () => SourceBody | undefined })
  | (PublisherCommon & { kind: 'destination'; snapshot: () => DestinationBody | undefined });

export interface StatsPublisher {
  /** Publishes one snapshot now (the timer keeps its pace). */
  publishNow(): Promise<void>;
  /** Stops the timer and publishes a final snapshot, so the operator stops counting this pod at once. */
  stop(): Promise<void>;
}

/** Publishes a pod's stats for one resource at once and then every interval. Never throws: failures go to onError. */
export function startStatsPublisher(opts: StatsPublisherOptions): StatsPublisher {
  const now = opts.now ?? Date.now;
  const intervalMs = opts.intervalMs ?? DEFAULT_STATS_INTERVAL_MS;
  const windowStart = new Date(opts.startedAt ?? now()).toISOString();
  let inflight: Promise<void> | undefined;
  let stopped = false;

  const build = (final: boolean): StatsSnapshot | undefined => {
    const head = {
      v: 1 as const,
      name: opts.name,
      namespace: opts.namespace,
      pod: opts.pod,
      at: new Date(now()).toISOString(),
      windowStart,
      intervalMs,
      ...(final ? { final: true } : {}),
    };
    if (opts.kind === 'source') {
      const body = opts.snapshot();
      return body && { ...head, ...body, kind: 'source' };
    }
    const body = opts.snapshot();
    return body && { ...head, ...body, kind: 'destination' };
  };

  const publish = async (final: boolean): Promise<void> => {
    try {
      const snapshot = build(final);
      if (snapshot) await opts.channel.publish(snapshot);
    } catch (err) {
      opts.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  };

  const tick = (): Promise<void> => {
    // One at a time: a slow publish is not stacked up behind the timer.
    inflight ??= publish(false).finally(() => (inflight = undefined));
    return inflight;
  };

  const timer = setInterval(() => void tick(), intervalMs);
  // Stats never keep a stopping process alive.
  timer.unref();
  void tick();

  return {
    publishNow: () => (stopped ? Promise.resolve() : tick()),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await inflight;
      await publish(true);
    },
  };
}
