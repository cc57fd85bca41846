import type { ViolationSummary } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import type { EventRecorder } from '../kube/events.ts';
import { jsonEqual } from '../kube/merge-patch.ts';
import type { KubeObject } from '../kube/types.ts';
import type { StatsChannel, StatsSubscription } from '../../../runtime/src/observe/feedback/channel.ts';
import type { StatsSnapshot } from '../../../runtime/src/observe/feedback/snapshot.ts';
import {
  Aggregator,
  refKey,
  type AggregatorOptions,
  type DestinationFeedFields,
  type FeedKind,
  type FeedStatus,
  type ObjectRef,
  type SourceFeedFields,
  type TrackingPlanFeedFields,
} from './aggregate.ts';
import type { LastError } from './decide.ts';
import { conditionEvent, FirstSeen, violationEvents, type FeedEvent } from './transitions.ts';

export type RecordEvent = (ref: ObjectRef, event: FeedEvent) => void;

export interface StatusFeedOptions extends AggregatorOptions {
  /** Where transition Events go; see recordWith for the EventRecorder. */
  record?: RecordEvent;
  /** At most one status change per object this often (default 5 s). */
  minIntervalMs?: number;
  /** How often gone pods and silence are checked (default 1 s). */
  tickMs?: number;
  now?: () => number;
  /** A snapshot that could not be read; the feed goes on. */
  onError?: (err: Error) => void;
}

type FieldsOf<K extends FeedKind> = K extends 'Source' ? SourceFeedFields : K extends 'Destination' ? DestinationFeedFields : TrackingPlanFeedFields;

/** What the status already holds, to carry over across an operator restart. */
export interface CurrentStatus {
  lastEventTime?: string;
  lastDeliveryTime?: string;
  lastError?: LastError;
  topViolations?: ViolationSummary[];
}

interface Published {
  status: FeedStatus;
  at: number;
}

/**
 * Turns the pods' stats into status for the controllers, and Kubernetes Events on
 * transitions. For the controllers:
 *
 *   const feed = new StatusFeed({ record: recordWith(recorder, lookup), redact: (t) => redactor.redact(t) });
 *   feed.onChange((ref) => queueOf(ref.kind).add(objectKey(ref.namespace, ref.name)));
 *   await feed.start(statsChannel);          // with the leader's work; feed.stop() on losing it
 *
 *   // in reconcile, after the controller's own fields:
 *   const fb = feed.statusFor('Source', ns, name, src.status);
 *   nextStatus(src.status, summary, { ...ownFields, ...fb?.fields }, [...ownConditions, ...(fb?.conditions ?? [])], …)
 *
 * statusFor returns undefined while nothing is known about the object: keep what the status
 * has. What it returns changes at most once per minIntervalMs per object, and onChange fires
 * then, so status writes from feedback stay at that pace. Conditions added: EventsFlowing
 * (Source), Delivering (Destination). Events: NewViolation, NoEventsReceived,
 * EventsResumed, DeliveryFailing, DeliveryRecovered.
 */
export class StatusFeed {
  readonly #agg: Aggregator;
  readonly #o: StatusFeedOptions;
  readonly #now: () => number;
  readonly #minIntervalMs: number;
  readonly #published = new Map<string, Published>();
  readonly #firstSeen = new Map<string, FirstSeen>();
  readonly #listeners = new Set<(ref: ObjectRef) => void>();
  #timer: NodeJS.Timeout | undefined;
  #sub: StatsSubscription | undefined;

  constructor(opts: StatusFeedOptions = {}) {
    this.#o = opts;
    this.#agg = new Aggregator(opts);
    this.#now = opts.now ?? Date.now;
    this.#minIntervalMs = opts.minIntervalMs ?? 5_000;
  }

  /** Listens on the channel and starts the periodic check. */
  async start(channel?: StatsChannel): Promise<void> {
    if (channel && !this.#sub) this.#sub = await channel.subscribe((s) => this.ingest(s), { onError: (e) => this.#o.onError?.(e) });
    this.#timer ??= setInterval(() => this.tick(), this.#o.tickMs ?? 1_000).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sub?.close();
    this.#sub = undefined;
  }

  /** Calls `cb` with each object whose feedback status changed; returns the way to stop. */
  onChange(cb: (ref: ObjectRef) => void): () => void {
    this.#listeners.add(cb);
    return () => this.#listeners.delete(cb);
  }

  /** Takes one snapshot; status follows on the next tick. */
  ingest(snapshot: StatsSnapshot): void {
    this.#agg.add(snapshot, this.#now());
  }

  statusFor<K extends FeedKind>(kind: K, namespace: string, name: string, current?: CurrentStatus): FeedStatus<FieldsOf<K>> | undefined {
    const ref: ObjectRef = { kind, namespace, name };
    const key = refKey(ref);
    if (current && !this.#published.has(key)) {
      if (kind !== 'TrackingPlan' && (current.lastEventTime ?? current.lastDeliveryTime ?? current.lastError)) this.#agg.track(ref);
      this.#agg.seed(ref, current);
      if (current.topViolations) this.#firstSeenOf(key).remember(current.topViolations, this.#now());
    }
    if (!this.#published.has(key) && this.#agg.has(ref)) this.#publish(ref, this.#now());
    return this.#published.get(key)?.status as FeedStatus<FieldsOf<K>> | undefined;
  }

  /** The object was deleted: forget its stats. */
  forget(kind: FeedKind, namespace: string, name: string): void {
    const ref: ObjectRef = { kind, namespace, name };
    this.#agg.forget(ref);
    this.#published.delete(refKey(ref));
    this.#firstSeen.delete(refKey(ref));
  }

  /** Expires gone pods and publishes every object whose status moved and may change now. */
  tick(): void {
    const now = this.#now();
    this.#agg.expire(now);
    const known = new Set<string>();
    for (const ref of this.#agg.refs()) {
      known.add(refKey(ref));
      const prev = this.#published.get(refKey(ref));
      if (prev && now - prev.at < this.#minIntervalMs) continue;
      this.#publish(ref, now);
    }
    // Objects the aggregator dropped (evicted or forgotten) leave nothing behind here either.
    for (const key of this.#published.keys()) if (!known.has(key)) this.#published.delete(key);
    for (const key of this.#firstSeen.keys()) if (!known.has(key)) this.#firstSeen.delete(key);
  }

  #publish(ref: ObjectRef, now: number): void {
    const key = refKey(ref);
    const next = this.#agg.view(ref, now);
    if (!next) return;
    const prev = this.#published.get(key);
    if (prev && jsonEqual(prev.status, next)) return;
    this.#published.set(key, { status: next, at: now });
    this.#emit(ref, prev?.status, next, now);
    for (const cb of this.#listeners) {
      try {
        cb(ref);
      } catch (err) {
        this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  #emit(ref: ObjectRef, prev: FeedStatus | undefined, next: FeedStatus, now: number): void {
    const record = this.#o.record;
    if (!record) return;
    const events: FeedEvent[] = [];
    for (const c of next.conditions) {
      const e = conditionEvent(prev?.conditions.find((p: ConditionInput) => p.type === c.type), c);
      if (e) events.push(e);
    }
    if (ref.kind === 'Source') {
      const top = (next.fields as SourceFeedFields).topViolations ?? [];
      events.push(...violationEvents(this.#firstSeenOf(refKey(ref)).observe(top, now)));
    }
    for (const e of events) record(ref, e);
  }

  #firstSeenOf(key: string): FirstSeen {
    let f = this.#firstSeen.get(key);
    if (!f) {
      f = new FirstSeen({ forgetAfterMs: this.#agg.windowMs });
      this.#firstSeen.set(key, f);
    }
    return f;
  }
}

/** Events through the operator's EventRecorder, about the object as the cache has it (skipped when it is gone). */
export function recordWith(recorder: Pick<EventRecorder, 'event'>, lookup: (ref: ObjectRef) => KubeObject | undefined): RecordEvent {
  return (ref, e) => {
    const obj = lookup(ref);
    if (obj) recorder.event(obj, { ...e, action: 'Observe' });
  };
}
