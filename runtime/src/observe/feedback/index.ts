/**
 * Runtime side of status feedback. Pods have no Kubernetes API access: each publishes a
 * stats snapshot per resource it serves every few seconds on a StatsChannel (core NATS in
 * a cluster, runtime/src/bus/nats/stats.ts; in-process for tests), and the operator turns
 * them into status and Events (operator/src/feedback).
 *
 * Wiring in an ingest pod (one per Source):
 *   const channel = await openNatsStatsChannel({ servers, prefix });
 *   const pub = startStatsPublisher({
 *     channel, kind: 'source', name, namespace: POD_NAMESPACE, pod: POD_NAME,
 *     snapshot: () => { const s = ingest.stats()[name]; return s && sourceBody(name, s, sampler, sourceHints(runtime)); },
 *   });
 *   …on SIGTERM: await pub.stop(); await channel.close();
 * A delivery pod does the same with kind 'destination' and destinationBody(delivery.stats()[name], destinationHints(runtime)).
 */
export { createMemoryStatsChannel, deliverEncoded, StatsChannelError } from './channel.ts';
export type { StatsChannel, StatsHandler, StatsSubscribeOptions, StatsSubscription } from './channel.ts';
export { destinationBody, destinationHints, sourceBody, sourceHints, type DestinationHints, type SourceHints } from './build.ts';
export { DEFAULT_STATS_INTERVAL_MS, startStatsPublisher, type StatsPublisher, type StatsPublisherOptions } from './publisher.ts';
export { cutText, scrubText } from './scrub.ts';
export {
  boundSnapshot,
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_LIMITS,
  SNAPSHOT_VERSION,
  SnapshotFormatError,
  type DestinationBody,
  type DestinationCounters,
  type DestinationSnapshot,
  type SnapshotLastError,
  type SourceBody,
  type SourceCounters,
  type SourceSnapshot,
  type StatsKind,
  type StatsSnapshot,
  type ViolationSample,
} from './snapshot.ts';
