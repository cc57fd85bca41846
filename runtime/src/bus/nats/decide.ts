import type { ConsumerConfig, StreamConfig } from '@nats-io/jetstream';
import { BusError, type StartFrom } from '../types.ts';

/**
 * The NATS engine's decisions, free of I/O so they are table-tested: stream and consumer
 * configurations and when an existing one must change, what a server reply means, where a
 * listing starts, and the bounds every caller-supplied number is held to.
 */

export const LIMITS = {
  maxPublishEvents: 50_000,
  maxNameLength: 253,
  maxMessageIdLength: 1_000,
  maxFetch: 10_000,
  maxWaitMs: 300_000,
  maxDelayMs: 7 * 24 * 3_600_000,
  defaultListLimit: 100,
  maxListLimit: 10_000,
  maxReasonLength: 2_000,
  maxExcerptLength: 4_096,
} as const;

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

/** Milliseconds to the nanoseconds JetStream configurations use. */
export function nanos(ms: number): number {
  return Math.round(ms * 1_000_000);
}

export interface StreamSettings {
  /** How long a messageId is remembered for de-duplication, at most the retention. */
  duplicateWindowMs: number;
  replicas: number;
}

/**
 * Settings every process derives the same JetStream objects from (runtime pods and the
 * operator alike), so no two of them keep rewriting each other's configuration.
 */
export const NATS_DEFAULTS = {
  prefix: 'SLUICE',
  replicas: 1,
  duplicateWindowMs: 10 * MINUTE_MS,
  deadLetterRetentionMs: 7 * DAY_MS,
  maxAckPending: 20_000,
} as const;

export type DesiredStream = Pick<StreamConfig, 'name' | 'subjects' | 'description' | 'storage' | 'retention' | 'discard' | 'max_age' | 'duplicate_window' | 'num_replicas'>;

function stream(name: string, subjects: string[], description: string, maxAgeMs: number, s: StreamSettings): DesiredStream {
  return {
    name,
    subjects,
    description,
    storage: 'file',
    retention: 'limits',
    discard: 'old',
    max_age: nanos(maxAgeMs),
    // The server refuses a duplicate window longer than max_age.
    duplicate_window: nanos(Math.min(s.duplicateWindowMs, maxAgeMs)),
    num_replicas: s.replicas,
  };
}

export function sourceStreamConfig(name: string, subjects: string[], source: string, retentionMs: number, s: StreamSettings): DesiredStream {
  return stream(name, subjects, `Sluice source ${source}: events`, retentionMs, s);
}

export function quarantineStreamConfig(name: string, subject: string, source: string, retentionMs: number, s: StreamSettings): DesiredStream {
  return stream(name, [subject], `Sluice source ${source}: events the tracking plan blocked`, retentionMs, s);
}

export function deadLetterStreamConfig(name: string, subjects: string, destination: string, retentionMs: number, s: StreamSettings): DesiredStream {
  return stream(name, [subjects], `Sluice destination ${destination}: dead letters`, retentionMs, s);
}

/** The fields of an existing stream that differ from the desired ones, or undefined when none do. */
export function streamChanges(current: Partial<StreamConfig>, desired: DesiredStream): Partial<StreamConfig> | undefined {
  const changes: Partial<StreamConfig> = {};
  if (current.max_age !== desired.max_age) changes.max_age = desired.max_age;
  if (current.duplicate_window !== desired.duplicate_window) changes.duplicate_window = desired.duplicate_window;
  if ((current.num_replicas ?? 1) !== desired.num_replicas) changes.num_replicas = desired.num_replicas;
  if (!sameSet(current.subjects ?? [], desired.subjects)) changes.subjects = desired.subjects;
  return Object.keys(changes).length > 0 ? changes : undefined;
}

export interface ConsumerSettings {
  ackWaitMs: number;
  maxAckPending: number;
  replicas: number;
}

export type DesiredConsumer = Pick<ConsumerConfig, 'durable_name' | 'description' | 'ack_policy' | 'ack_wait' | 'deliver_policy' | 'filter_subject' | 'max_ack_pending' | 'max_deliver' | 'replay_policy' | 'num_replicas'> &
  Partial<Pick<ConsumerConfig, 'opt_start_time'>>;

/**
 * A durable pull consumer. `now` maps to deliver-new, a time to deliver-by-start-time
 * (the first event stored at or after it); a replay consumer reads all its subject holds.
 * Redeliveries are unlimited: delivery decides when an event is dead-lettered.
 */
export function consumerConfig(durable: string, filterSubject: string, description: string, start: StartFrom | 'all', s: ConsumerSettings): DesiredConsumer {
  const base: DesiredConsumer = {
    durable_name: durable,
    description,
    ack_policy: 'explicit',
    ack_wait: nanos(s.ackWaitMs),
    deliver_policy: 'all',
    filter_subject: filterSubject,
    max_ack_pending: s.maxAckPending,
    max_deliver: -1,
    replay_policy: 'instant',
    num_replicas: s.replicas,
  };
  if (start === 'all') return base;
  if (start.kind === 'now') return { ...base, deliver_policy: 'new' };
  return { ...base, deliver_policy: 'by_start_time', opt_start_time: start.time.toISOString() };
}

/** What an existing durable must change to match; where it starts is never changed (it resumes). */
export function consumerChanges(current: Partial<ConsumerConfig>, desired: DesiredConsumer): Partial<ConsumerConfig> | undefined {
  const changes: Partial<ConsumerConfig> = {};
  if (current.ack_wait !== desired.ack_wait) changes.ack_wait = desired.ack_wait;
  if (current.max_ack_pending !== desired.max_ack_pending) changes.max_ack_pending = desired.max_ack_pending;
  return Object.keys(changes).length > 0 ? changes : undefined;
}

/** What the reply subject of a delivered JetStream message says about it. */
export interface AckInfo {
  stream: string;
  consumer: string;
  /** 1 on the first delivery. */
  delivered: number;
  streamSeq: number;
  /** When the stream stored the message, ms since epoch. */
  storedAt: number;
}

/**
 * Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<nanos>.<pending>` and the
 * longer form with domain and account hash in front (and a random token after).
 */
export function parseAckSubject(reply: string): AckInfo | undefined {
  const t = reply.split('.');
  if (t[0] !== '$JS' || t[1] !== 'ACK') return undefined;
  const at = t.length === 9 ? 2 : t.length >= 11 ? 4 : -1;
  if (at < 0) return undefined;
  const [stream, consumer, delivered, sseq, , ts] = t.slice(at, at + 6);
  const nums = [delivered, sseq, ts].map((x) => (x !== undefined && /^\d+$/.test(x) ? Number(x) : NaN));
  if (!stream || !consumer || nums.some((n) => !Number.isFinite(n))) return undefined;
  // Nanoseconds exceed 2^53; milliseconds survive the rounding.
  return { stream, consumer, delivered: nums[0]!, streamSeq: nums[1]!, storedAt: Math.floor(nums[2]! / 1_000_000) };
}

/** What a JetStream publish acknowledgement says. */
export type PubAckResult = { ok: true; duplicate: boolean } | { ok: false; noStream: boolean; message: string };

// The server writes `"duplicate": true` (with a space) by hand, not through a JSON encoder.
const DUPLICATE = /"duplicate"\s*:\s*true/;

/** Reads a publish reply: a status (503: no stream listens on the subject) or a JSON PubAck. */
export function parsePubAck(statusCode: number, body: string): PubAckResult {
  if (statusCode === 503) return { ok: false, noStream: true, message: 'no stream stores this subject' };
  if (statusCode !== 0) return { ok: false, noStream: false, message: `status ${statusCode}` };
  if (!body.includes('"error"')) {
    if (!body.includes('"seq"')) return { ok: false, noStream: false, message: `unexpected reply ${JSON.stringify(body.slice(0, 80))}` };
    return { ok: true, duplicate: DUPLICATE.test(body) };
  }
  try {
    const parsed = JSON.parse(body) as { error?: { description?: string; err_code?: number } };
    const e = parsed.error ?? {};
    return { ok: false, noStream: false, message: `${e.description ?? 'error'}${e.err_code ? ` (${e.err_code})` : ''}` };
  } catch {
    return { ok: false, noStream: false, message: `unreadable reply ${JSON.stringify(body.slice(0, 80))}` };
  }
}

/**
 * How long a waiting pull asks the server to hold it: at least 100 ms. nats-server 2.9 never
 * answers a pull that expires within a few milliseconds (no messages, no 408), which left
 * reads hanging for the whole request timeout whenever a fetch's remaining wait was short.
 */
export function pullWaitMs(waitMs: number): number {
  return waitMs <= 0 ? 0 : Math.max(waitMs, MIN_PULL_WAIT_MS);
}

const MIN_PULL_WAIT_MS = 100;

/**
 * How long a pull may stay silent past where the server should have spoken (its expiry,
 * or at once for no_wait) before the client ends it itself. nats-server leaves some pulls
 * unanswered: before 2.9.15 an expired one it reaches while a message is ready (no 408),
 * and a no_wait pull that reaches max_ack_pending (no 408 ever). What a late server still
 * sends such a pull is handed back at once (NAK), so ending early costs little.
 */
export const PULL_GRACE_MS = 250;

export interface PullBody {
  batch: number;
  no_wait?: true;
  expires?: number;
  idle_heartbeat?: number;
}

/**
 * The body of a pull request. A waiting pull asks for idle heartbeats when it waits long
 * enough to hear one, so a request the server forgot is noticed before its expiry.
 */
export function pullBody(batch: number, waitMs: number): PullBody {
  if (waitMs <= 0) return { batch, no_wait: true };
  waitMs = pullWaitMs(waitMs);
  const heartbeatMs = Math.min(5_000, Math.floor(waitMs / 4));
  return heartbeatMs >= 50 ? { batch, expires: nanos(waitMs), idle_heartbeat: nanos(heartbeatMs) } : { batch, expires: nanos(waitMs) };
}

export interface PullPlan {
  body: PullBody;
  /** After sending: by then the server has ended the request on its own, grace included. */
  limitMs: number;
  /** After the last message or heartbeat: silence this long means the request is gone. */
  quietMs: number;
  graceMs: number;
}

/** The pull request to send and how long the client waits on it. */
export function pullPlan(batch: number, waitMs: number, graceMs: number = PULL_GRACE_MS): PullPlan {
  const body = pullBody(batch, waitMs);
  const expiresMs = (body.expires ?? 0) / 1_000_000;
  const heartbeatMs = (body.idle_heartbeat ?? 0) / 1_000_000;
  return { body, limitMs: expiresMs + graceMs, quietMs: heartbeatMs > 0 ? 2 * heartbeatMs + graceMs : Number.POSITIVE_INFINITY, graceMs };
}

/**
 * When the client ends a pull the server has not ended, on the clock of `sentAt`,
 * `heardAt` (last message or heartbeat) and `lastMsgAt`. Messages still flowing keep it
 * open past the limit; heartbeats only show the request is held, up to the limit.
 */
export function pullDeadline(plan: PullPlan, sentAt: number, heardAt: number, lastMsgAt: number): number {
  const end = Math.max(sentAt + plan.limitMs, lastMsgAt + plan.graceMs);
  return Math.min(end, heardAt + plan.quietMs);
}

/** What a status message on a pull request's inbox means for that request. */
export type PullStatus = 'ignore' | 'done' | 'failed';

export function pullStatus(code: number): PullStatus {
  if (code === 100) return 'ignore'; // idle heartbeat
  if (code === 404 || code === 408) return 'done'; // no messages / request expired
  return 'failed'; // 409: consumer deleted, max waiting exceeded, …
}

/**
 * The first sequence of the next, wider window when reading the newest `want` messages
 * of a stream with gaps: the window doubles until it holds enough or reaches the start.
 */
export function tailStart(s: { firstSeq: number; lastSeq: number }, want: number, previous?: number): number {
  const width = previous === undefined ? want : 2 * (s.lastSeq - previous + 1);
  return Math.max(s.firstSeq, s.lastSeq - width + 1);
}

/**
 * Whether a fetch looks for replayed dead letters now. Replays are rare, so an idle check
 * costs a request at most every `pollMs`; after one found something it looks every time.
 */
export function replayDue(lastCheckAt: number | undefined, lastFound: boolean, now: number, pollMs: number): boolean {
  return lastCheckAt === undefined || lastFound || now - lastCheckAt >= pollMs;
}

/** How long an idle fetch waits on the event consumer before it looks for replays again. */
export function waitSlice(remainingMs: number, lastCheckAt: number, now: number, pollMs: number): number {
  return Math.max(1, Math.min(remainingMs, lastCheckAt + pollMs - now));
}

export function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > LIMITS.maxNameLength) {
    throw new BusError(`checking ${what} name: expected 1 to ${LIMITS.maxNameLength} characters, got ${JSON.stringify(String(name).slice(0, 40))}`, { kind: 'invalid' });
  }
}

export function checkCount(what: string, n: number, min: number, max: number): number {
  if (!Number.isFinite(n) || n < min) {
    throw new BusError(`checking ${what}: expected a number ≥ ${min}, got ${n}`, { kind: 'invalid' });
  }
  return Math.min(Math.floor(n), max);
}

export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return LIMITS.defaultListLimit;
  return checkCount('list limit', limit, 1, LIMITS.maxListLimit);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
