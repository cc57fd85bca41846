import { isObject } from '../../../event.ts';
import { DeliveryError, type HttpRequestSpec, type OutboundEvent } from '../../types.ts';

/** The Events API takes up to 1,000 events in `data`. */
export const MAX_EVENTS_PER_REQUEST = 1000;

export const USER_AGENT = 'sluice-tiktok/0.1';

export type EventSource = 'web' | 'app' | 'offline' | 'crm';

/** Settings and credentials resolved into what every request needs. */
export interface TikTokTarget {
  /** https://business-api.tiktok.com/open_api/v1.3/event/track/ */
  trackUrl: string;
  accessToken: string;
  eventSource: EventSource;
  /** Pixel code (web), TikTok App ID (app), or offline/CRM event set id. */
  eventSourceId: string;
  testEventCode?: string;
}

export function trackUrl(baseUrl: string, apiVersion: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/open_api/${apiVersion}/event/track/`;
}

/**
 * Why TikTok would refuse this event, or undefined: `event` (the TikTok event name) and an
 * integer `event_time` in seconds are required. Checked before sending because one such
 * event fails the whole request.
 */
export function checkTikTokEvent(payload: unknown): string | undefined {
  if (!isObject(payload)) return 'the mapped payload is not an object';
  const name = payload['event'];
  if (typeof name !== 'string' || name === '') return 'the mapped payload has no event name (event)';
  const t = payload['event_time'];
  if (t === undefined || t === null) return 'the mapped payload has no event_time';
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 0) return 'event_time is not a whole number of seconds (use unixSeconds(timestamp))';
  if (t > 1e11) return 'event_time looks like milliseconds; TikTok expects seconds (use unixSeconds(timestamp))';
  return undefined;
}

export function rejectLocally(batch: readonly OutboundEvent[]): Map<number, DeliveryError> {
  const out = new Map<number, DeliveryError>();
  batch.forEach((e, i) => {
    const problem = checkTikTokEvent(e.payload);
    if (problem) out.set(i, new DeliveryError(`preparing the TikTok event: ${problem}`, { kind: 'payload', code: 'invalid_event' }));
  });
  return out;
}

/**
 * One POST to /event/track/: the token in the Access-Token header, JSON body
 * `{"event_source", "event_source_id", "test_event_code"?, "data": [events]}`.
 */
export function tiktokRequest(target: TikTokTarget, events: readonly OutboundEvent[]): HttpRequestSpec {
  const head = {
    event_source: target.eventSource,
    event_source_id: target.eventSourceId,
    ...(target.testEventCode === undefined ? {} : { test_event_code: target.testEventCode }),
  };
  const prefix = JSON.stringify(head).slice(0, -1);
  return {
    method: 'POST',
    url: target.trackUrl,
    headers: { 'content-type': 'application/json', 'access-token': target.accessToken, 'user-agent': USER_AGENT },
    body: `${prefix},"data":[${events.map((e) => JSON.stringify(e.payload)).join(',')}]}`,
    messageIds: events.map((e) => e.messageId),
  };
}
