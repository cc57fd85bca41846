import { createHmac } from 'node:crypto';
import { isObject } from '../../../event.ts';
import { DeliveryError, type HttpRequestSpec, type OutboundEvent } from '../../types.ts';

/** Meta's documented cap: up to 1,000 events in `data`. */
export const MAX_EVENTS_PER_REQUEST = 1000;
/** An event_time more than 7 days old fails the whole request, so such events never join one. */
export const MAX_EVENT_AGE_S = 7 * 24 * 3600;

export const USER_AGENT = 'sluice-meta-capi/0.1';

/** Settings and credentials resolved into what every request needs. */
export interface MetaTarget {
  /** https://graph.facebook.com/<version>/<pixel id>/events, without a query. */
  eventsUrl: string;
  accessToken: string;
  /** HMAC-SHA256 of the token keyed by the app secret, when the Secret has one. */
  appSecretProof?: string;
  testEventCode?: string;
}

export function eventsUrl(baseUrl: string, apiVersion: string, pixelId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${apiVersion}/${encodeURIComponent(pixelId)}/events`;
}

export function appSecretProof(accessToken: string, appSecret: string): string {
  return createHmac('sha256', appSecret).update(accessToken).digest('hex');
}

/**
 * Why Meta would refuse this server event, or undefined when it has what the API requires:
 * event_name, an integer event_time no older than 7 days (in seconds), user_data and
 * action_source. Checked before sending because one such event fails its whole request.
 */
export function checkServerEvent(payload: unknown, nowS: number): string | undefined {
  if (!isObject(payload)) return 'the mapped payload is not an object';
  const missing = ['event_name', 'event_time', 'action_source', 'user_data'].filter((k) => payload[k] === undefined || payload[k] === null || payload[k] === '');
  if (missing.length > 0) return `the mapped payload has no ${missing.join(', ')}`;
  if (typeof payload['event_name'] !== 'string') return 'event_name is not text';
  if (typeof payload['action_source'] !== 'string') return 'action_source is not text';
  if (!isObject(payload['user_data'])) return 'user_data is not an object';
  const t = payload['event_time'];
  if (typeof t !== 'number' || !Number.isInteger(t)) return 'event_time is not a whole number of seconds (use unixSeconds(timestamp))';
  if (t > 1e11) return 'event_time looks like milliseconds; Meta expects seconds (use unixSeconds(timestamp))';
  if (nowS - t > MAX_EVENT_AGE_S) return `event_time is ${Math.floor((nowS - t) / 86400)} days old; Meta accepts events up to 7 days old`;
  return undefined;
}

/** The events Meta would refuse, each with a payload DeliveryError, by position in the batch. */
export function rejectLocally(batch: readonly OutboundEvent[], nowMs: number): Map<number, DeliveryError> {
  const out = new Map<number, DeliveryError>();
  const nowS = Math.floor(nowMs / 1000);
  batch.forEach((e, i) => {
    const problem = checkServerEvent(e.payload, nowS);
    if (problem) out.set(i, new DeliveryError(`preparing the Conversions API event: ${problem}`, { kind: 'payload', code: 'invalid_event' }));
  });
  return out;
}

/**
 * One POST to the pixel's /events edge: JSON body `{"data": [server events]}` (plus
 * test_event_code), the token in the access_token query parameter as Meta documents.
 */
export function metaRequest(target: MetaTarget, events: readonly OutboundEvent[]): HttpRequestSpec {
  const query = new URLSearchParams({ access_token: target.accessToken });
  if (target.appSecretProof) query.set('appsecret_proof', target.appSecretProof);
  const test = target.testEventCode === undefined ? '' : `,"test_event_code":${JSON.stringify(target.testEventCode)}`;
  return {
    method: 'POST',
    url: `${target.eventsUrl}?${query.toString()}`,
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    body: `{"data":[${events.map((e) => JSON.stringify(e.payload)).join(',')}]${test}}`,
    messageIds: events.map((e) => e.messageId),
  };
}
