import { decodeSnapshot, encodeSnapshot, SnapshotFormatError, type StatsSnapshot } from './snapshot.ts';

export type StatsHandler = (snapshot: StatsSnapshot) => void;

export interface StatsSubscribeOptions {
  /** A message that is not a valid snapshot, or a handler that threw. Never thrown to the sender. */
  onError?: (err: Error) => void;
}

export interface StatsSubscription {
  close(): Promise<void>;
}

/**
 * Where pods publish their periodic stats and the operator listens. Fire and forget: a
 * lost snapshot is harmless, the next one carries the same monotonic counters. Both sides
 * go through encodeSnapshot/decodeSnapshot, so what arrives is bounded and scrubbed.
 */
export interface StatsChannel {
  publish(snapshot: StatsSnapshot): Promise<void>;
  /** Every snapshot published from now on, from any pod. */
  subscribe(handler: StatsHandler, opts?: StatsSubscribeOptions): Promise<StatsSubscription>;
  close(): Promise<void>;
}

export class StatsChannelError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'StatsChannelError';
  }
}

/** Decodes and hands a message to a handler, routing every failure to onError. */
export function deliverEncoded(data: Uint8Array | string, handler: StatsHandler, opts: StatsSubscribeOptions): void {
  let snapshot: StatsSnapshot;
  try {
    snapshot = decodeSnapshot(data);
  } catch (err) {
    opts.onError?.(err instanceof SnapshotFormatError ? err : new SnapshotFormatError('reading a stats snapshot: unexpected failure', { cause: err }));
    return;
  }
  try {
    handler(snapshot);
  } catch (err) {
    opts.onError?.(new StatsChannelError(`handling the stats of ${snapshot.kind} ${snapshot.namespace}/${snapshot.name}: ${(err as Error).message}`, { cause: err }));
  }
}

/**
 * The in-process channel, for tests and single-process use. Snapshots are encoded and
 * decoded as on the wire, and delivered on a later tick, so a handler never runs inside
 * the publisher's call.
 */
export function createMemoryStatsChannel(): StatsChannel {
  const subscribers = new Set<{ handler: StatsHandler; opts: StatsSubscribeOptions }>();
  let closed = false;
  return {
    publish(snapshot) {
      if (closed) return Promise.reject(new StatsChannelError('publishing stats: the channel is closed'));
      let data: string;
      try {
        data = encodeSnapshot(snapshot);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new StatsChannelError('publishing stats: encoding failed', { cause: err }));
      }
      for (const s of subscribers) {
        setImmediate(() => {
          if (subscribers.has(s)) deliverEncoded(data, s.handler, s.opts);
        });
      }
      return Promise.resolve();
    },
    subscribe(handler, opts = {}) {
      if (closed) return Promise.reject(new StatsChannelError('subscribing to stats: the channel is closed'));
      const entry = { handler, opts };
      subscribers.add(entry);
      return Promise.resolve({
        close() {
          subscribers.delete(entry);
          return Promise.resolve();
        },
      });
    },
    close() {
      closed = true;
      subscribers.clear();
      return Promise.resolve();
    },
  };
}
