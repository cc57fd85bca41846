/**
 * Status feedback, operator side. Runtime pods publish stats snapshots on the bus
 * (runtime/src/observe/feedback); the StatusFeed aggregates them per object and hands the
 * controllers the status fields and conditions to write, at most once per object every 5 s,
 * recording Kubernetes Events on transitions. See StatusFeed (feed.ts) for the wiring.
 *
 * Decisions:
 * - Counts (received, accepted, blocked, rejected; delivered, filtered, failed,
 *   deadLettered) cover the last hour, in 5-minute buckets, summed from the differences
 *   of each pod's monotonic counters; a pod restart (counters reset) starts a new series.
 *   After an operator restart they are a lower bound until an hour has passed.
 * - A pod not heard from for three of its intervals stops counting toward gauges (lag,
 *   retrying, p95) and violations; what it counted before stays in the window.
 * - p95 latency is the highest pod's p95: an upper bound of the overall p95.
 * - EventsFlowing is False once a Source that had traffic accepted nothing for
 *   spec.silenceAfter (each pod reports it; default 15m).
 * - Delivering is False (DeliveryFailing) after 3 failed attempts with no delivery since
 *   the first of them; one bad event going to dead letters is not an outage.
 * - TrackingPlan violations: the sum over the Sources whose pods enforce that plan.
 * - A deployed Destination that cannot deliver is Ready=False with the Delivering reason
 *   (ready.ts); Reconciling and Stalled stay False, as the fix lies outside the operator.
 * - The operator listens on every replica (warm counts after a failover) and records
 *   Events only while leading (operator.ts).
 */
export { Aggregator, flatCounters, refKey } from './aggregate.ts';
export type { AggregatorOptions, DestinationFeedFields, FeedKind, FeedStatus, ObjectRef, SourceFeedFields, TrackingPlanFeedFields } from './aggregate.ts';
export { DEFAULT_FAILING_AFTER, DEFAULT_SILENCE_AFTER_MS, DELIVERING, EVENTS_FLOWING, delivering, eventsFlowing, failingMessage, mergeViolations } from './decide.ts';
export { recordWith, StatusFeed, type CurrentStatus, type RecordEvent, type StatusFeedOptions } from './feed.ts';
export { conditionEvent, FirstSeen, violationEvents, type FeedEvent } from './transitions.ts';
export { counterDelta, Window } from './window.ts';
export { feedWatch, subscribeFeed, type FeedSubscription } from './wire.ts';
export { startFeedback, type Feedback } from './operator.ts';
export { FEEDBACK_READY_REASONS, readyWithDelivery } from './ready.ts';
