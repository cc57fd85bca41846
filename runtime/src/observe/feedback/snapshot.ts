import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { cleanText, cutText } from './scrub.ts';

/**
 * The stats a runtime pod publishes every few seconds for the operator, which turns them
 * into resource status (see operator/src/feedback). Versioned JSON, bounded in size. It
 * carries counts, times, error codes and violation summaries — never a payload value or a
 * secret: violation messages name fields and schema rules only, and every free text goes
 * through scrubText on the way out.
 *
 * Counters are monotonic from `windowStart` (when the process started counting); the
 * operator takes differences between snapshots, and a `windowStart` that moves (or a
 * counter that goes down) tells it the process restarted.
 */
export const SNAPSHOT_VERSION = 1;

export const SNAPSHOT_LIMITS = {
  /** Encoded size; violations are dropped from the least frequent end until it fits. */
  maxBytes: 32_768,
  maxViolations: 20,
  name: 253,
  namespace: 63,
  pod: 253,
  event: 201,
  field: 201,
  kind: 64,
  message: 300,
  messageId: 128,
  code: 64,
  errorMessage: 512,
  minIntervalMs: 1_000,
  maxIntervalMs: 300_000,
} as const;

export type StatsKind = 'source' | 'destination';

const L = SNAPSHOT_LIMITS;
const ISO_TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?Z$';
const Count = Type.Integer({ minimum: 0 });
const Time = Type.String({ pattern: ISO_TIME, maxLength: 40 });
const Text = (max: number) => Type.String({ maxLength: max });

const header = {
  v: Type.Literal(SNAPSHOT_VERSION),
  name: Type.String({ minLength: 1, maxLength: L.name }),
  namespace: Type.String({ minLength: 1, maxLength: L.namespace }),
  pod: Type.String({ minLength: 1, maxLength: L.pod }),
  /** When the snapshot was taken. */
  at: Time,
  /** When the counters started: the process start. */
  windowStart: Time,
  /** How often this pod publishes; the operator forgets a pod silent for three of these. */
  intervalMs: Type.Integer({ minimum: L.minIntervalMs, maximum: L.maxIntervalMs }),
  /** The last snapshot of a pod that is stopping. */
  final: Type.Optional(Type.Boolean()),
};

export const ViolationSample = Type.Object({
  event: Text(L.event),
  field: Text(L.field),
  kind: Text(L.kind),
  message: Text(L.message),
  /** In the pod's recent window (its ViolationSampler's, one hour by default). */
  count: Count,
  lastSeen: Time,
  sampleMessageId: Type.Optional(Text(L.messageId)),
});
export type ViolationSample = Static<typeof ViolationSample>;

export const SourceCounters = Type.Object({
  received: Count,
  accepted: Count,
  duplicates: Count,
  blocked: Count,
  rejected: Count,
  /** Not stored because the bus failed. */
  failed: Count,
});
export type SourceCounters = Static<typeof SourceCounters>;

const sourceBody = {
  counters: SourceCounters,
  lastEventTime: Type.Optional(Time),
  /** The most frequent recent violations, most frequent first. */
  violations: Type.Array(ViolationSample, { maxItems: L.maxViolations }),
  /** Every violation in the pod's recent window, beyond the top ones listed. */
  violationCount: Count,
  /** The TrackingPlan this pod enforces, so the plan's status can sum its sources. */
  trackingPlan: Type.Optional(Type.String({ maxLength: L.name })),
  /** spec.silenceAfter, so the operator can tell when the Source went silent. */
  silenceAfterMs: Type.Optional(Type.Integer({ minimum: 1 })),
};

export const SourceSnapshot = Type.Object({ ...header, kind: Type.Literal('source'), ...sourceBody });
export type SourceSnapshot = Static<typeof SourceSnapshot>;

export const DestinationCounters = Type.Object({
  delivered: Count,
  filtered: Count,
  filteredBy: Type.Object({ integrations: Count, consent: Count, filter: Count, mapping: Count }),
  /** Delivery attempts that failed, retried or not. */
  failed: Count,
  deadLettered: Count,
});
export type DestinationCounters = Static<typeof DestinationCounters>;

export const SnapshotError = Type.Object({
  time: Time,
  code: Text(L.code),
  message: Text(L.errorMessage),
  messageId: Type.Optional(Text(L.messageId)),
});
export type SnapshotLastError = Static<typeof SnapshotError>;

const destinationBody = {
  state: Type.Union([Type.Literal('running'), Type.Literal('invalid'), Type.Literal('stopped')]),
  counters: DestinationCounters,
  /** Gauges, now: events waiting for a retry and events on the bus not yet acknowledged. */
  retrying: Count,
  lag: Count,
  p95LatencyMs: Type.Optional(Count),
  lastDeliveryTime: Type.Optional(Time),
  lastError: Type.Optional(SnapshotError),
  /** Name (never the content) of the credentials Secret, so a rejected token can be named. */
  credentialsSecret: Type.Optional(Type.String({ maxLength: L.name })),
};

export const DestinationSnapshot = Type.Object({ ...header, kind: Type.Literal('destination'), ...destinationBody });
export type DestinationSnapshot = Static<typeof DestinationSnapshot>;

export type StatsSnapshot = SourceSnapshot | DestinationSnapshot;

type HeaderKeys = keyof typeof header | 'kind';
/** What a pod measures; the publisher adds the header (who, when, since when). */
export type SourceBody = Omit<SourceSnapshot, HeaderKeys>;
export type DestinationBody = Omit<DestinationSnapshot, HeaderKeys>;

export class SnapshotFormatError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'SnapshotFormatError';
  }
}

const checkers: Record<StatsKind, TypeCheck<TSchema>> = {
  source: TypeCompiler.Compile(SourceSnapshot),
  destination: TypeCompiler.Compile(DestinationSnapshot),
};

/** Reads a snapshot off the wire; throws SnapshotFormatError for anything not a v1 snapshot within bounds. */
export function decodeSnapshot(data: Uint8Array | string): StatsSnapshot {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
  if (bytes > L.maxBytes) throw new SnapshotFormatError(`reading a stats snapshot: ${bytes} bytes, more than the ${L.maxBytes} allowed`);
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  } catch (cause) {
    throw new SnapshotFormatError('reading a stats snapshot: not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null) throw new SnapshotFormatError('reading a stats snapshot: not an object');
  const { v, kind } = value as { v?: unknown; kind?: unknown };
  if (v !== SNAPSHOT_VERSION) throw new SnapshotFormatError(`reading a stats snapshot: version ${JSON.stringify(v)} is not supported (expected ${SNAPSHOT_VERSION})`);
  if (kind !== 'source' && kind !== 'destination') throw new SnapshotFormatError(`reading a stats snapshot: unknown kind ${JSON.stringify(kind)}`);
  const checker = checkers[kind];
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    throw new SnapshotFormatError(`reading a ${kind} stats snapshot: ${first ? `${first.path || '/'}: ${first.message}` : 'invalid'}`);
  }
  return value as StatsSnapshot;
}

/**
 * Encodes a snapshot after bounding it: texts cut and scrubbed, counts made non-negative
 * integers, at most maxViolations violations, and the least frequent violations dropped
 * until the JSON fits in maxBytes.
 */
export function encodeSnapshot(snapshot: StatsSnapshot): string {
  const bounded = boundSnapshot(snapshot);
  let json = JSON.stringify(bounded);
  if (bounded.kind === 'source') {
    while (Buffer.byteLength(json) > L.maxBytes && bounded.violations.length > 0) {
      bounded.violations.pop();
      json = JSON.stringify(bounded);
    }
  }
  if (Buffer.byteLength(json) > L.maxBytes) throw new SnapshotFormatError(`encoding a stats snapshot: ${Buffer.byteLength(json)} bytes even without violations`);
  return json;
}

export function boundSnapshot(s: StatsSnapshot): StatsSnapshot {
  const head = {
    v: SNAPSHOT_VERSION,
    name: cutText(s.name, L.name),
    namespace: cutText(s.namespace, L.namespace),
    pod: cutText(s.pod, L.pod),
    at: s.at,
    windowStart: s.windowStart,
    intervalMs: Math.min(L.maxIntervalMs, Math.max(L.minIntervalMs, Math.round(s.intervalMs))),
    ...(s.final ? { final: true } : {}),
  } as const;
  if (s.kind === 'source') {
    return {
      ...head,
      kind: 'source',
      counters: countsOf(s.counters),
      ...(s.lastEventTime ? { lastEventTime: s.lastEventTime } : {}),
      violations: s.violations.slice(0, L.maxViolations).map(boundViolation),
      violationCount: count(s.violationCount),
      ...(s.trackingPlan ? { trackingPlan: cutText(s.trackingPlan, L.name) } : {}),
      ...(s.silenceAfterMs ? { silenceAfterMs: Math.max(1, Math.round(s.silenceAfterMs)) } : {}),
    };
  }
  return {
    ...head,
    kind: 'destination',
    state: s.state,
    counters: {
      delivered: count(s.counters.delivered),
      filtered: count(s.counters.filtered),
      filteredBy: countsOf(s.counters.filteredBy),
      failed: count(s.counters.failed),
      deadLettered: count(s.counters.deadLettered),
    },
    retrying: count(s.retrying),
    lag: count(s.lag),
    ...(s.p95LatencyMs !== undefined ? { p95LatencyMs: count(s.p95LatencyMs) } : {}),
    ...(s.lastDeliveryTime ? { lastDeliveryTime: s.lastDeliveryTime } : {}),
    ...(s.lastError
      ? {
          lastError: {
            time: s.lastError.time,
            code: cleanText(s.lastError.code, L.code),
            message: cleanText(s.lastError.message, L.errorMessage),
            ...(s.lastError.messageId ? { messageId: cutText(s.lastError.messageId, L.messageId) } : {}),
          },
        }
      : {}),
    ...(s.credentialsSecret ? { credentialsSecret: cutText(s.credentialsSecret, L.name) } : {}),
  };
}

function boundViolation(v: ViolationSample): ViolationSample {
  return {
    event: cleanText(v.event, L.event),
    field: cleanText(v.field, L.field),
    kind: cutText(v.kind, L.kind),
    message: cleanText(v.message, L.message),
    count: count(v.count),
    lastSeen: v.lastSeen,
    ...(v.sampleMessageId ? { sampleMessageId: cutText(v.sampleMessageId, L.messageId) } : {}),
  };
}

function count(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.min(Number.MAX_SAFE_INTEGER, Math.floor(n)) : 0;
}

function countsOf<T extends Record<string, number>>(counts: T): T {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(counts)) out[k] = count(n);
  return out as T;
}
