import { isObject } from '../../../event.ts';
import type { PlannedRequest } from '../../http.ts';
import type { OutboundEvent } from '../../types.ts';
import { packBySize, refusal, type RequestPlan } from '../../batching/index.ts';

export type AmplitudeApi = 'http' | 'batch';

/** Amplitude settings with defaults applied and the API key read from the credentials. */
export interface AmplitudeTarget {
  api: AmplitudeApi;
  /** …/2/httpapi (HTTP V2) or …/batch (Batch Event Upload). */
  url: string;
  apiKey: string;
  minIdLength?: number;
}

/**
 * Documented request limits: HTTP V2 takes up to 2,000 events and 1 MB per request;
 * Batch Event Upload 2,000 events and 20 MB.
 */
export const LIMITS: Record<AmplitudeApi, { maxEvents: number; maxBytes: number }> = {
  http: { maxEvents: 2000, maxBytes: 1_000_000 },
  batch: { maxEvents: 2000, maxBytes: 20_000_000 },
};

export interface EventIds {
  userId: string | undefined;
  deviceId: string | undefined;
}

/** A request plus the user and device ids of its events, to match them against the quota lists of a 429. */
export interface AmplitudeRequest extends PlannedRequest {
  ids: EventIds[];
}

export const USER_AGENT = 'sluice-amplitude/0.1';

/**
 * POSTs of `{"api_key", "events": […], "options"}` (the key travels in the body, as the
 * API wants). Each event needs an event_type and a user_id or device_id; events without
 * an insert_id get the messageId, which makes every retry safe (Amplitude drops repeats
 * of an insert_id for 7 days).
 */
export function buildAmplitudeRequests(batch: readonly OutboundEvent[], target: AmplitudeTarget): RequestPlan<AmplitudeRequest> {
  const plan: RequestPlan<AmplitudeRequest> = { requests: [], refused: [] };
  const ready: Array<{ position: number; json: string; bytes: number; ids: EventIds }> = [];
  batch.forEach((e, position) => {
    const p = e.payload;
    const problem = checkEvent(p);
    if (problem || !isObject(p)) {
      plan.refused.push(refusal(position, problem ?? 'the mapped payload is not an object'));
      return;
    }
    const json = JSON.stringify(p.insert_id === undefined ? { ...p, insert_id: e.messageId } : p);
    ready.push({ position, json, bytes: Buffer.byteLength(json), ids: { userId: text(p.user_id), deviceId: text(p.device_id) } });
  });
  const head = `{"api_key":${JSON.stringify(target.apiKey)},"events":[`;
  const tail = target.minIdLength === undefined ? ']}' : `],"options":{"min_id_length":${target.minIdLength}}}`;
  const limits = LIMITS[target.api];
  const { groups, tooLarge } = packBySize(ready, (r) => r.bytes, { maxCount: limits.maxEvents, maxBytes: limits.maxBytes, overhead: head.length + tail.length });
  for (const r of tooLarge) plan.refused.push(refusal(r.position, `the event is ${r.bytes} bytes; one request to Amplitude takes at most ${limits.maxBytes}`, 'too_large'));
  for (const group of groups) {
    const spec = {
      method: 'POST',
      url: target.url,
      headers: { 'content-type': 'application/json', accept: '*/*', 'user-agent': USER_AGENT },
      body: `${head}${group.map((r) => r.json).join(',')}${tail}`,
      messageIds: group.map((r) => batch[r.position]!.messageId),
    };
    plan.requests.push({ spec, positions: group.map((r) => r.position), ids: group.map((r) => r.ids) });
  }
  return plan;
}

/** Why Amplitude would reject this event outright, or undefined. */
export function checkEvent(payload: unknown): string | undefined {
  if (!isObject(payload)) return 'the mapped payload is not an object';
  if (typeof payload.event_type !== 'string' || payload.event_type === '') return 'the event has no event_type';
  if (!nonEmpty(payload.user_id) && !nonEmpty(payload.device_id)) return 'the event has neither user_id nor device_id';
  if (payload.time !== undefined && !Number.isInteger(payload.time)) return '"time" must be milliseconds since the epoch (an integer)';
  return undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function nonEmpty(v: unknown): boolean {
  return (typeof v === 'string' && v.length > 0) || typeof v === 'number';
}
