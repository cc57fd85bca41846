import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { deliverEncoded, StatsChannelError, type StatsChannel, type StatsSubscription } from '../../observe/feedback/channel.ts';
import { encodeSnapshot, type StatsKind } from '../../observe/feedback/snapshot.ts';
import { Names, token } from './names.ts';

/**
 * Pod stats on core NATS (no JetStream): `<prefix>.stats.<kind>.<namespace>.<name>`, names
 * as bus tokens (names.ts). Stats are periodic and each carries monotonic counters, so a
 * snapshot lost while the operator reconnects costs nothing and nothing needs storing.
 */
export function statsSubject(prefix: string, kind: StatsKind, namespace: string, name: string): string {
  return subjectOf(new Names(prefix).prefix, kind, namespace, name);
}

export function statsWildcard(prefix: string): string {
  return `${new Names(prefix).prefix}.stats.>`;
}

function subjectOf(prefix: string, kind: StatsKind, namespace: string, name: string): string {
  return `${prefix}.stats.${kind}.${token(namespace)}.${token(name)}`;
}

/** How long subscribe waits for the server to confirm the interest before going on regardless. */
const SUBSCRIBE_CONFIRM_MS = 5_000;

export interface NatsStatsOptions {
  servers: string | string[];
  /** The bus prefix (default SLUICE). */
  prefix?: string;
  /** Connection name in the server's monitoring. */
  name?: string;
  connectTimeoutMs?: number;
}

/** A stats channel on its own NATS connection, reconnecting forever; close() closes the connection. */
export async function openNatsStatsChannel(opts: NatsStatsOptions): Promise<StatsChannel> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: opts.servers,
      name: opts.name ?? 'sluice-stats',
      timeout: opts.connectTimeoutMs ?? 5_000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1_000,
      reconnectJitter: 500,
    });
  } catch (cause) {
    throw new StatsChannelError(`connecting to NATS at ${String(opts.servers)} for stats: ${(cause as Error).message}`, { cause });
  }
  const channel = natsStatsChannel(nc, opts.prefix);
  return {
    publish: (s) => channel.publish(s),
    subscribe: (h, o) => channel.subscribe(h, o),
    async close() {
      await channel.close();
      if (!nc.isClosed()) await nc.close();
    },
  };
}

/** A stats channel on a connection the caller owns; close() ends only its subscriptions. */
export function natsStatsChannel(nc: NatsConnection, prefix = 'SLUICE'): StatsChannel {
  const p = new Names(prefix).prefix;
  const wildcard = statsWildcard(p);
  const subs = new Set<Subscription>();
  let closed = false;
  return {
    publish(snapshot) {
      if (closed) return Promise.reject(new StatsChannelError('publishing stats: the channel is closed'));
      try {
        nc.publish(subjectOf(p, snapshot.kind, snapshot.namespace, snapshot.name), encodeSnapshot(snapshot));
        return Promise.resolve();
      } catch (cause) {
        return Promise.reject(new StatsChannelError(`publishing stats of ${snapshot.kind} ${snapshot.namespace}/${snapshot.name}: ${(cause as Error).message}`, { cause }));
      }
    },
    async subscribe(handler, opts = {}) {
      if (closed) throw new StatsChannelError('subscribing to stats: the channel is closed');
      let sub: Subscription;
      try {
        sub = nc.subscribe(wildcard, {
          callback: (err, msg) => {
            if (err) {
              opts.onError?.(new StatsChannelError(`receiving stats: ${err.message}`, { cause: err }));
              return;
            }
            deliverEncoded(msg.data, (snapshot) => {
              // The subject names the resource too; a snapshot claiming another is not trusted.
              if (msg.subject !== subjectOf(p, snapshot.kind, snapshot.namespace, snapshot.name)) {
                throw new Error(`it arrived on ${msg.subject}, not its own subject`);
              }
              handler(snapshot);
            }, opts);
          },
        });
      } catch (cause) {
        throw new StatsChannelError(`subscribing to ${wildcard}: ${(cause as Error).message}`, { cause });
      }
      subs.add(sub);
      await confirm(nc);
      const subscription: StatsSubscription = {
        close() {
          subs.delete(sub);
          if (!sub.isClosed()) sub.unsubscribe();
          return Promise.resolve();
        },
      };
      return subscription;
    },
    close() {
      closed = true;
      for (const sub of subs) if (!sub.isClosed()) sub.unsubscribe();
      subs.clear();
      return Promise.resolve();
    },
  };
}

/**
 * Waits for a round trip so the server has the subscription before the caller relies on
 * it. While disconnected this would wait for the reconnect; the client re-subscribes on
 * its own then, so the wait is bounded and its failure ignored.
 */
async function confirm(nc: NatsConnection): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([nc.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_CONFIRM_MS)))]);
  } catch {
    // Closed or disconnected: nothing to confirm.
  } finally {
    clearTimeout(timer);
  }
}
