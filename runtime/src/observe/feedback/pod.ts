import { StatsChannelError, type StatsChannel, type StatsSubscription } from './channel.ts';
import { startStatsPublisher, type PublisherCommon, type StatsPublisher } from './publisher.ts';
import type { DestinationBody, SourceBody, StatsKind } from './snapshot.ts';

type BodyOf<K extends StatsKind> = K extends 'source' ? SourceBody : DestinationBody;

/** One resource a pod serves, and how to read its stats now (undefined: nothing to report yet). */
export interface Served<K extends StatsKind> {
  name: string;
  snapshot: () => BodyOf<K> | undefined;
}

/** The publisher settings, for every resource served (the resources' namespace, this pod's name). */
export type PodStatsOptions = Omit<PublisherCommon, 'name'>;

/**
 * The stats publishers of one runtime pod: one per resource it serves. `serve` is called
 * with the resources of each config the pod loads; resources no longer served send their
 * final snapshot, so the operator stops counting this pod for them at once.
 */
export class PodStats {
  readonly #o: PodStatsOptions;
  readonly #publishers = new Map<string, StatsPublisher>();
  /** Publishers read through this, so a reload swaps what a resource reports without restarting its series. */
  readonly #bodies = new Map<string, () => SourceBody | DestinationBody | undefined>();
  #stopped = false;

  constructor(opts: PodStatsOptions) {
    this.#o = opts;
  }

  async serve<K extends StatsKind>(kind: K, served: readonly Served<K>[]): Promise<void> {
    if (this.#stopped) return;
    const keep = new Set<string>();
    for (const s of served) {
      const key = `${kind}/${s.name}`;
      keep.add(key);
      this.#bodies.set(key, s.snapshot);
      if (!this.#publishers.has(key)) this.#publishers.set(key, this.#start(kind, s.name, key));
    }
    const gone = [...this.#publishers].filter(([key]) => key.startsWith(`${kind}/`) && !keep.has(key));
    for (const [key] of gone) this.#publishers.delete(key);
    await Promise.all(gone.map(([, p]) => p.stop()));
    for (const [key] of gone) this.#bodies.delete(key);
  }

  /** Final snapshots for everything served; call after the work stopped, so they carry the last counts. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const all = [...this.#publishers.values()];
    this.#publishers.clear();
    await Promise.all(all.map((p) => p.stop()));
  }

  #start(kind: StatsKind, name: string, key: string): StatsPublisher {
    const o = this.#o;
    const common = {
      channel: o.channel,
      name,
      namespace: o.namespace,
      pod: o.pod,
      ...(o.intervalMs !== undefined ? { intervalMs: o.intervalMs } : {}),
      ...(o.startedAt !== undefined ? { startedAt: o.startedAt } : {}),
      ...(o.now ? { now: o.now } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    };
    const read = () => this.#bodies.get(key)?.();
    return kind === 'source'
      ? startStatsPublisher({ ...common, kind: 'source', snapshot: () => read() as SourceBody | undefined })
      : startStatsPublisher({ ...common, kind: 'destination', snapshot: () => read() as DestinationBody | undefined });
  }
}

/**
 * A channel that opens its connection on first use and again after a failed attempt (at
 * most once per `retryMs`). Until it is open, snapshots are dropped: the next one carries
 * the same monotonic counters, so a pod starts publishing the moment the bus is reachable.
 */
export function lazyStatsChannel(open: () => Promise<StatsChannel>, opts: { retryMs?: number; now?: () => number; onError?: (err: Error) => void } = {}): StatsChannel {
  const retryMs = opts.retryMs ?? 5_000;
  const now = opts.now ?? Date.now;
  let channel: StatsChannel | undefined;
  let opening: Promise<void> | undefined;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let closed = false;

  const ensure = (): Promise<void> => {
    if (channel || closed) return Promise.resolve();
    if (!opening && now() - lastAttempt >= retryMs) {
      lastAttempt = now();
      opening = open()
        .then(async (c) => {
          if (closed) await c.close();
          else channel = c;
        })
        .catch((err: unknown) => opts.onError?.(err instanceof Error ? err : new StatsChannelError(`opening the stats channel: ${String(err)}`)))
        .finally(() => (opening = undefined));
    }
    return opening ?? Promise.resolve();
  };

  return {
    async publish(snapshot) {
      if (closed) throw new StatsChannelError('publishing stats: the channel is closed');
      // A final snapshot is worth the wait for a connection under way; a periodic one is not.
      if (!channel && snapshot.final) await ensure();
      else void ensure();
      if (channel) await channel.publish(snapshot);
    },
    async subscribe(handler, subOpts): Promise<StatsSubscription> {
      await ensure();
      if (!channel) throw new StatsChannelError('subscribing to stats: the channel could not be opened');
      return channel.subscribe(handler, subOpts);
    },
    async close() {
      closed = true;
      await opening;
      await channel?.close();
      channel = undefined;
    },
  };
}
