import { EVENT_TYPES, isObject } from '../../../event.ts';
import { resultForResponse, type HttpResponse, type PlannedRequest } from '../../http.ts';
import { parseRetryAfter, header } from '../../classify.ts';
import { DeliveryError, type OutboundEvent, type SendResult } from '../../types.ts';
import { packBySize, refusal, type RequestPlan } from '../../batching/index.ts';

/** Segment settings with defaults applied and the write key read from the credentials. */
export interface SegmentTarget {
  /** https://api.segment.io/v1/batch or the regional/overridden equivalent. */
  url: string;
  writeKey: string;
}

/** Documented limits of the Tracking API's batch endpoint: 32 KB per event, 500 KB per request. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_REQUEST_BYTES = 500 * 1000;
/** The most events Segment-compatible receivers take in one batch (Sluice's own ingest included). */
export const MAX_EVENTS = 2500;

export const USER_AGENT = 'sluice-segment/0.1';

const TYPES = new Set<string>(EVENT_TYPES);
const ENVELOPE = '{"batch":[]}';

/**
 * One or more POSTs to /v1/batch with body `{"batch":[…events]}` and the write key as
 * Basic credentials. Events Segment would answer 200 and then drop (no type, no user or
 * anonymous id, a track without a name), or that would make it refuse the whole request
 * (over 32 KB), are refused here with the reason instead.
 */
export function buildSegmentRequests(batch: readonly OutboundEvent[], target: SegmentTarget): RequestPlan {
  const plan: RequestPlan = { requests: [], refused: [] };
  const ready: Array<{ position: number; json: string; bytes: number }> = [];
  batch.forEach((e, position) => {
    const problem = checkEvent(e.payload);
    if (problem) {
      plan.refused.push(refusal(position, problem));
      return;
    }
    const json = JSON.stringify(forwarded(e.payload as Record<string, unknown>));
    const bytes = Buffer.byteLength(json);
    if (bytes > MAX_EVENT_BYTES) plan.refused.push(refusal(position, `the event is ${bytes} bytes; Segment takes at most ${MAX_EVENT_BYTES} per event`, 'too_large'));
    else ready.push({ position, json, bytes });
  });
  const { groups } = packBySize(ready, (r) => r.bytes, { maxCount: MAX_EVENTS, maxBytes: MAX_REQUEST_BYTES, overhead: ENVELOPE.length });
  const authorization = `Basic ${Buffer.from(`${target.writeKey}:`).toString('base64')}`;
  for (const group of groups) {
    const body = `{"batch":[${group.map((r) => r.json).join(',')}]}`;
    const spec = {
      method: 'POST',
      url: target.url,
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, authorization },
      body,
      messageIds: group.map((r) => batch[r.position]!.messageId),
    };
    plan.requests.push({ spec, positions: group.map((r) => r.position) });
  }
  return plan;
}

/** Why Segment would not keep this event, or undefined when it would. */
export function checkEvent(payload: unknown): string | undefined {
  if (!isObject(payload)) return 'the mapped payload is not an object';
  if (typeof payload.type !== 'string' || !TYPES.has(payload.type)) return `"type" must be one of ${EVENT_TYPES.join(', ')}`;
  const id = (v: unknown) => typeof v === 'string' && v.length > 0;
  if (!id(payload.userId) && !id(payload.anonymousId)) return 'the event has neither userId nor anonymousId';
  if (payload.type === 'track' && !id(payload.event)) return 'a track event needs an "event" name';
  if (payload.type === 'group' && !id(payload.groupId)) return 'a group event needs a "groupId"';
  if (payload.type === 'alias' && !id(payload.previousId)) return 'an alias event needs a "previousId"';
  return undefined;
}

/**
 * The event as forwarded. `sentAt` goes: without it Segment takes `timestamp` as the event
 * time, which is right for an event forwarded minutes or hours after the client sent it;
 * with the client's `sentAt` still on it, Segment would shift the time by the delay.
 * `receivedAt` is Segment's to set.
 */
function forwarded(event: Record<string, unknown>): Record<string, unknown> {
  if (!('sentAt' in event) && !('receivedAt' in event)) return event;
  const { sentAt: _sentAt, receivedAt: _receivedAt, ...rest } = event;
  return rest;
}

/**
 * 200 keeps the whole request; 400 (too large, invalid JSON) dead-letters it; 429 retries
 * after Retry-After or, failing that, X-RateLimit-Reset (both in seconds).
 */
export function classifySegmentResponse(res: HttpResponse, request: PlannedRequest, secrets: readonly string[], now = Date.now()): SendResult[] {
  let result = resultForResponse(request.spec, res, secrets, now);
  if (!result.ok && res.status === 429 && result.error.retryAfterMs === undefined) {
    const reset = parseRetryAfter(header(res.headers, 'x-ratelimit-reset'), now);
    const e = result.error;
    if (reset !== undefined) result = { ok: false, error: new DeliveryError(e.message, { kind: e.kind, status: e.status, bodyExcerpt: e.bodyExcerpt, retryAfterMs: reset }) };
  }
  return request.positions.map(() => result);
}
