/**
 * Runtime side of status feedback. Pods have no Kubernetes API access: each publishes a
 * stats snapshot per resource it serves every few seconds on a StatsChannel (core NATS in
 * a cluster, runtime/src/bus/nats/stats.ts; in-process for tests), and the operator turns
 * them into status and Events (operator/src/feedback).
 *
 * Wiring (runtime/src/cluster/process.ts): a PodStats on a lazyStatsChannel over NATS;
 * `sluice ingest` serves each Source of its config with sourceBody(…), `sluice deliver`
 * each Destination with destinationBody(…), again on every reload; on SIGTERM the work
 * stops first, then PodStats.stop() sends the final snapshots.
 */
export { createMemoryStatsChannel, deliverEncoded, StatsChannelError } from './channel.ts';
export type { StatsChannel, StatsHandler, StatsSubscribeOptions, StatsSubscription } from './channel.ts';
export { destinationBody, destinationHints, sourceBody, sourceHints, type DestinationHints, type SourceHints } from './build.ts';
export { lazyStatsChannel, PodStats, type PodStatsOptions, type Served } from './pod.ts';
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
