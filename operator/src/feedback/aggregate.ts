import type { DestinationStatus, SourceStatus, TrackingPlanStatus } from '../api/index.ts';
import type { ConditionInput } from '../kube/conditions.ts';
import type { StatsKind, StatsSnapshot } from '../../../runtime/src/observe/feedback/snapshot.ts';
import { DEFAULT_FAILING_AFTER, DEFAULT_SILENCE_AFTER_MS, delivering, eventsFlowing, mergeViolations, type LastError } from './decide.ts';
import { counterDelta, DEFAULT_WINDOW_MS, Window, type CounterReading, type Counts } from './window.ts';

export type FeedKind = 'Source' | 'Destination' | 'TrackingPlan';

export interface ObjectRef {
  kind: FeedKind;
  namespace: string;
  name: string;
}

export const refKey = (r: ObjectRef): string => `${r.kind}/${r.namespace}/${r.name}`;

export type SourceFeedFields = Pick<SourceStatus, 'received' | 'accepted' | 'blocked' | 'rejected' | 'lastEventTime' | 'topViolations'>;
export type DestinationFeedFields = Pick<
  DestinationStatus,
  'delivered' | 'filtered' | 'failed' | 'retrying' | 'deadLettered' | 'lag' | 'p95LatencyMs' | 'lastDeliveryTime' | 'lastError'
>;
export type TrackingPlanFeedFields = Pick<TrackingPlanStatus, 'violations'>;

/** What the feedback contributes to one object's status: fields to set, and conditions beside Ready. */
export interface FeedStatus<F = SourceFeedFields | DestinationFeedFields | TrackingPlanFeedFields> {
  fields: F;
  conditions: ConditionInput[];
}

export interface AggregatorOptions {
  /** How far back status counts reach (default 1 h, in 12 buckets). */
  windowMs?: number;
  buckets?: number;
  /** A pod silent for this many of its intervals no longer counts (default 3). */
  missedIntervals?: number;
  /** Objects tracked; the least recently heard go first (default 10,000). */
  maxObjects?: number;
  /** Pods remembered per object, gone ones included (default 256). */
  maxPodsPerObject?: number;
  /** topViolations length (default 10; the CRD allows 20). */
  maxViolations?: number;
  failingAfter?: number;
  /** Applied to every free text bound for status: the operator's secret Redactor. */
  redact?: (text: string) => string;
}

interface PodState {
  live: boolean;
  heard: number;
  at: number;
  reading: CounterReading;
  last: StatsSnapshot;
}

interface ObjectState {
  readonly kind: StatsKind;
  readonly namespace: string;
  readonly name: string;
  readonly pods: Map<string, PodState>;
  readonly window: Window;
  lastEventTime?: number;
  lastDeliveryTime?: number;
  lastError?: LastError;
  failing?: { since: number; failures: number };
}

const KIND: Record<StatsKind, FeedKind> = { source: 'Source', destination: 'Destination' };

/**
 * The latest stats of every pod, per object, and what they add up to. Window counts sum
 * counter differences (window.ts); gauges (lag, retrying) sum over the pods heard from
 * recently; p95 latency is the highest pod's p95, an upper bound of the true p95 over all
 * requests (at least 95% of every pod's requests, hence of all, are at or below it); last
 * times and the last error are the latest any pod reported, kept after the pod is gone.
 */
export class Aggregator {
  readonly #o: Required<Omit<AggregatorOptions, 'redact'>> & Pick<AggregatorOptions, 'redact'>;
  readonly #objects = new Map<string, ObjectState>();

  constructor(opts: AggregatorOptions = {}) {
    this.#o = {
      windowMs: opts.windowMs ?? DEFAULT_WINDOW_MS,
      buckets: opts.buckets ?? 12,
      missedIntervals: opts.missedIntervals ?? 3,
      maxObjects: opts.maxObjects ?? 10_000,
      maxPodsPerObject: opts.maxPodsPerObject ?? 256,
      maxViolations: Math.min(20, opts.maxViolations ?? 10),
      failingAfter: opts.failingAfter ?? DEFAULT_FAILING_AFTER,
      ...(opts.redact ? { redact: opts.redact } : {}),
    };
  }

  get windowMs(): number {
    return this.#o.windowMs;
  }

  /** Takes one pod's snapshot; returns the objects whose status may have changed (a Source's plan too). */
  add(s: StatsSnapshot, now: number): ObjectRef[] {
    const obj = this.#object(s.kind, s.namespace, s.name, true);
    const at = Date.parse(s.at);
    const pod = obj.pods.get(s.pod);
    // Core NATS keeps a publisher's order, but a pod restarting under the same name may race its predecessor.
    if (pod && at < pod.at && pod.reading.windowStart === Date.parse(s.windowStart)) return [];
    const reading: CounterReading = { windowStart: Date.parse(s.windowStart), counters: flatCounters(s) };
    const delta = counterDelta(pod?.reading, reading, now, this.#o.windowMs);
    obj.window.add(delta, now);
    obj.pods.delete(s.pod);
    obj.pods.set(s.pod, { live: !s.final, heard: now, at, reading, last: s });
    trimPods(obj.pods, this.#o.maxPodsPerObject);

    const changed: ObjectRef[] = [refOf(obj)];
    if (s.kind === 'source') {
      obj.lastEventTime = latest(obj.lastEventTime, s.lastEventTime);
      const plans = new Set([s.trackingPlan, pod?.last.kind === 'source' ? pod.last.trackingPlan : undefined]);
      for (const plan of plans) if (plan) changed.push({ kind: 'TrackingPlan', namespace: s.namespace, name: plan });
    } else {
      obj.lastDeliveryTime = latest(obj.lastDeliveryTime, s.lastDeliveryTime);
      if (s.lastError && (!obj.lastError || s.lastError.time >= obj.lastError.time)) obj.lastError = s.lastError;
      obj.failing = nextFailing(obj, delta['failed'] ?? 0);
    }
    return changed;
  }

  /** Stops counting pods not heard from for missedIntervals; returns the objects that changed. */
  expire(now: number): ObjectRef[] {
    const changed: ObjectRef[] = [];
    for (const obj of this.#objects.values()) {
      let touched = false;
      for (const [name, pod] of obj.pods) {
        if (pod.live && now - pod.heard > this.#o.missedIntervals * pod.last.intervalMs) {
          pod.live = false;
          touched = true;
        }
        // Kept a window long, so a pod back from a partition is not counted twice.
        if (!pod.live && now - pod.heard > this.#o.windowMs) obj.pods.delete(name);
      }
      if (touched) changed.push(refOf(obj), ...this.#plansOf(obj));
    }
    return changed;
  }

  /** Every object with stats, TrackingPlans named by a Source's pods included. */
  refs(): ObjectRef[] {
    const out = new Map<string, ObjectRef>();
    for (const obj of this.#objects.values()) {
      const ref = refOf(obj);
      out.set(refKey(ref), ref);
      for (const plan of this.#plansOf(obj)) out.set(refKey(plan), plan);
    }
    return [...out.values()];
  }

  has(ref: ObjectRef): boolean {
    return ref.kind === 'TrackingPlan' ? this.refs().some((r) => refKey(r) === refKey(ref)) : this.#objects.has(refKey(ref));
  }

  /** Carries last times and the last error over from the status already written (before an operator restart). */
  seed(ref: ObjectRef, status: { lastEventTime?: string; lastDeliveryTime?: string; lastError?: LastError }): void {
    if (ref.kind === 'TrackingPlan') return;
    const obj = this.#object(ref.kind === 'Source' ? 'source' : 'destination', ref.namespace, ref.name, false);
    if (!obj) return;
    obj.lastEventTime ??= parsed(status.lastEventTime);
    obj.lastDeliveryTime ??= parsed(status.lastDeliveryTime);
    obj.lastError ??= status.lastError;
  }

  /** Starts tracking an object that has no stats yet, so seeded values count (see seed). */
  track(ref: ObjectRef): void {
    if (ref.kind !== 'TrackingPlan') this.#object(ref.kind === 'Source' ? 'source' : 'destination', ref.namespace, ref.name, true);
  }

  forget(ref: ObjectRef): void {
    this.#objects.delete(refKey(ref));
  }

  view(ref: ObjectRef, now: number): FeedStatus | undefined {
    if (ref.kind === 'TrackingPlan') return this.#planView(ref);
    const obj = this.#objects.get(refKey(ref));
    if (!obj) return undefined;
    const live = [...obj.pods.values()].filter((p) => p.live).map((p) => p.last);
    const sums = obj.window.sums(now);
    return obj.kind === 'source' ? this.#sourceView(obj, live, sums, now) : this.#destinationView(obj, live, sums, now);
  }

  #sourceView(obj: ObjectState, live: StatsSnapshot[], sums: Counts, now: number): FeedStatus<SourceFeedFields> {
    const sources = live.filter((s) => s.kind === 'source');
    const newest = newestOf(obj, 'source');
    const fields: SourceFeedFields = {
      received: sums['received'] ?? 0,
      accepted: sums['accepted'] ?? 0,
      blocked: sums['blocked'] ?? 0,
      rejected: sums['rejected'] ?? 0,
      ...(obj.lastEventTime !== undefined ? { lastEventTime: iso(obj.lastEventTime) } : {}),
      topViolations: mergeViolations(sources, this.#o.maxViolations).map((v) => ({ ...v, message: this.#redact(v.message) })),
    };
    const silenceAfterMs = newest?.silenceAfterMs ?? DEFAULT_SILENCE_AFTER_MS;
    return { fields, conditions: [eventsFlowing({ lastEventTime: obj.lastEventTime, silenceAfterMs, now })] };
  }

  #destinationView(obj: ObjectState, live: StatsSnapshot[], sums: Counts, now: number): FeedStatus<DestinationFeedFields> {
    const dests = live.filter((s) => s.kind === 'destination');
    const p95s = dests.flatMap((d) => (d.p95LatencyMs === undefined ? [] : [d.p95LatencyMs]));
    const lastError = obj.lastError && { ...obj.lastError, message: this.#redact(obj.lastError.message) };
    const fields: DestinationFeedFields = {
      delivered: sums['delivered'] ?? 0,
      filtered: sums['filtered'] ?? 0,
      failed: sums['failed'] ?? 0,
      deadLettered: sums['deadLettered'] ?? 0,
      // Gauges only from pods that report now; with none, the status keeps the last known values.
      ...(dests.length > 0 ? { retrying: sum(dests.map((d) => d.retrying)), lag: sum(dests.map((d) => d.lag)) } : {}),
      ...(p95s.length > 0 ? { p95LatencyMs: Math.max(...p95s) } : {}),
      ...(obj.lastDeliveryTime !== undefined ? { lastDeliveryTime: iso(obj.lastDeliveryTime) } : {}),
      ...(lastError ? { lastError } : {}),
    };
    const condition = delivering({
      livePods: dests.length,
      invalid: dests.some((d) => d.state === 'invalid'),
      lastDeliveryTime: obj.lastDeliveryTime,
      lastError,
      failing: obj.failing,
      credentialsSecret: newestOf(obj, 'destination')?.credentialsSecret,
      failingAfter: this.#o.failingAfter,
      now,
    });
    return { fields, conditions: [{ ...condition, message: this.#redact(condition.message) }] };
  }

  #planView(ref: ObjectRef): FeedStatus<TrackingPlanFeedFields> | undefined {
    let found = false;
    let violations = 0;
    for (const obj of this.#objects.values()) {
      if (obj.kind !== 'source' || obj.namespace !== ref.namespace) continue;
      if (!this.#plansOf(obj).some((p) => p.name === ref.name)) continue;
      found = true;
      for (const pod of obj.pods.values()) {
        if (pod.live && pod.last.kind === 'source' && pod.last.trackingPlan === ref.name) violations += pod.last.violationCount;
      }
    }
    return found ? { fields: { violations }, conditions: [] } : undefined;
  }

  #plansOf(obj: ObjectState): ObjectRef[] {
    if (obj.kind !== 'source') return [];
    const names = new Set<string>();
    for (const pod of obj.pods.values()) if (pod.last.kind === 'source' && pod.last.trackingPlan) names.add(pod.last.trackingPlan);
    return [...names].map((name) => ({ kind: 'TrackingPlan', namespace: obj.namespace, name }));
  }

  #object(kind: StatsKind, namespace: string, name: string, create: true): ObjectState;
  #object(kind: StatsKind, namespace: string, name: string, create: boolean): ObjectState | undefined;
  #object(kind: StatsKind, namespace: string, name: string, create: boolean): ObjectState | undefined {
    const key = refKey({ kind: KIND[kind], namespace, name });
    let obj = this.#objects.get(key);
    if (obj) {
      // Map order is recency order: the least recently heard object is evicted first.
      this.#objects.delete(key);
    } else {
      if (!create) return undefined;
      obj = { kind, namespace, name, pods: new Map(), window: new Window({ windowMs: this.#o.windowMs, buckets: this.#o.buckets }) };
      if (this.#objects.size >= this.#o.maxObjects) {
        const oldest = this.#objects.keys().next();
        if (!oldest.done) this.#objects.delete(oldest.value);
      }
    }
    this.#objects.set(key, obj);
    return obj;
  }

  #redact(text: string): string {
    return this.#o.redact ? this.#o.redact(text) : text;
  }
}

/** Counters as flat numbers: filteredBy.consent and so on for a Destination. */
export function flatCounters(s: StatsSnapshot): Counts {
  if (s.kind === 'source') return { ...s.counters };
  const { filteredBy, ...rest } = s.counters;
  const out: Counts = { ...rest };
  for (const [k, n] of Object.entries(filteredBy)) out[`filteredBy.${k}`] = n;
  return out;
}

/**
 * Failing: every outcome since the last delivery was an error. `since` is the first error
 * seen after the last delivery; failures add up the failed attempts reported meanwhile.
 */
function nextFailing(obj: ObjectState, failed: number): ObjectState['failing'] {
  const err = obj.lastError;
  const errAt = err ? Date.parse(err.time) : undefined;
  if (errAt === undefined || (obj.lastDeliveryTime !== undefined && obj.lastDeliveryTime >= errAt)) return undefined;
  return { since: obj.failing?.since ?? errAt, failures: (obj.failing?.failures ?? 0) + failed };
}

function trimPods(pods: Map<string, PodState>, max: number): void {
  while (pods.size > max) {
    const gone = [...pods].find(([, p]) => !p.live)?.[0] ?? pods.keys().next().value;
    if (gone === undefined) return;
    pods.delete(gone);
  }
}

function newestOf<K extends StatsKind>(obj: ObjectState, kind: K): Extract<StatsSnapshot, { kind: K }> | undefined {
  let best: PodState | undefined;
  for (const p of obj.pods.values()) if (p.last.kind === kind && (!best || p.heard >= best.heard)) best = p;
  return best?.last as Extract<StatsSnapshot, { kind: K }> | undefined;
}

const refOf = (obj: ObjectState): ObjectRef => ({ kind: KIND[obj.kind], namespace: obj.namespace, name: obj.name });
const iso = (ms: number): string => new Date(ms).toISOString();
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function parsed(time: string | undefined): number | undefined {
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

function latest(current: number | undefined, time: string | undefined): number | undefined {
  const t = parsed(time);
  return t === undefined ? current : current === undefined ? t : Math.max(current, t);
}
