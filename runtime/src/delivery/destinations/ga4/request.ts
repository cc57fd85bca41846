import { isObject } from '../../../event.ts';
import type { OutboundEvent } from '../../types.ts';
import { packBySize, refusal, type RequestPlan } from '../../batching/index.ts';

/** GA4 settings with defaults applied and the API secret read from the credentials. */
export interface Ga4Target {
  /** …/mp/collect?measurement_id=…&api_secret=… (firebase_app_id for app streams). */
  url: string;
  /** Web streams identify the client by client_id, app streams by app_instance_id. */
  stream: 'web' | 'app';
}

/** Documented limits: 25 events per request, a body smaller than 130 kB, events backdated at most 72 hours. */
export const MAX_EVENTS = 25;
export const MAX_REQUEST_BYTES = 130_000;
export const MAX_AGE_MS = 72 * 3_600_000;

/** Fields of the request body (one user, one device): events sharing all of them share a request. */
export const REQUEST_FIELDS = [
  'client_id',
  'app_instance_id',
  'user_id',
  'user_properties',
  'user_data',
  'consent',
  'non_personalized_ads',
  'user_location',
  'ip_override',
  'device',
] as const;
/** Fields of one item of `events`. */
export const EVENT_FIELDS = ['name', 'params', 'timestamp_micros'] as const;

/** Event names GA4 keeps for itself; the Measurement Protocol drops events sent under them. */
export const RESERVED_EVENT_NAMES = new Set([
  'ad_activeview',
  'ad_click',
  'ad_exposure',
  'ad_query',
  'ad_reward',
  'adunit_exposure',
  'app_background',
  'app_clear_data',
  'app_exception',
  'app_remove',
  'app_store_refund',
  'app_store_subscription_cancel',
  'app_store_subscription_convert',
  'app_store_subscription_renew',
  'app_update',
  'app_upgrade',
  'dynamic_link_app_open',
  'dynamic_link_app_update',
  'dynamic_link_first_open',
  'error',
  'first_open',
  'first_visit',
  'in_app_purchase',
  'notification_dismiss',
  'notification_foreground',
  'notification_open',
  'notification_receive',
  'os_update',
  'session_start',
  'session_start_with_rollout',
  'user_engagement',
]);
const RESERVED_PREFIXES = ['firebase_', 'ga_', 'google_'];
const EVENT_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

export const USER_AGENT = 'sluice-ga4/0.1';

const KNOWN = new Set<string>([...REQUEST_FIELDS, ...EVENT_FIELDS]);

/**
 * The Measurement Protocol answers 2xx even to events it then drops, so everything it
 * documents as dropping an event is checked here and refused with the reason instead.
 * Events go together when their user fields match (same client, user, consent…), at most
 * 25 per request and under 130 kB; each keeps its own timestamp_micros.
 */
export function buildGa4Requests(batch: readonly OutboundEvent[], target: Ga4Target, now = Date.now()): RequestPlan {
  const plan: RequestPlan = { requests: [], refused: [] };
  const byUser = new Map<string, Array<{ position: number; json: string; bytes: number }>>();
  batch.forEach((e, position) => {
    const problem = checkEvent(e.payload, target.stream, now);
    if (problem || !isObject(e.payload)) {
      plan.refused.push(refusal(position, problem ?? 'the mapped payload is not an object'));
      return;
    }
    const user: Record<string, unknown> = {};
    const item: Record<string, unknown> = {};
    for (const k of REQUEST_FIELDS) if (e.payload[k] !== undefined) user[k] = e.payload[k];
    for (const k of EVENT_FIELDS) if (e.payload[k] !== undefined) item[k] = e.payload[k];
    const head = JSON.stringify(user);
    const json = JSON.stringify(item);
    const group = byUser.get(head) ?? [];
    if (group.length === 0) byUser.set(head, group);
    group.push({ position, json, bytes: Buffer.byteLength(json) });
  });
  for (const [user, items] of byUser) {
    const head = user === '{}' ? '{"events":[' : `${user.slice(0, -1)},"events":[`;
    const overhead = Buffer.byteLength(head) + 2;
    const { groups, tooLarge } = packBySize(items, (r) => r.bytes, { maxCount: MAX_EVENTS, maxBytes: MAX_REQUEST_BYTES - 1, overhead });
    for (const r of tooLarge) plan.refused.push(refusal(r.position, `the request for this event would be ${overhead + r.bytes} bytes; GA4 takes less than ${MAX_REQUEST_BYTES}`, 'too_large'));
    for (const group of groups) {
      const spec = {
        method: 'POST',
        url: target.url,
        headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
        body: `${head}${group.map((r) => r.json).join(',')}]}`,
        messageIds: group.map((r) => batch[r.position]!.messageId),
      };
      plan.requests.push({ spec, positions: group.map((r) => r.position) });
    }
  }
  return plan;
}

/** Why GA4 would drop this event, or undefined when it would keep it. */
export function checkEvent(payload: unknown, stream: Ga4Target['stream'], now: number): string | undefined {
  if (!isObject(payload)) return 'the mapped payload is not an object';
  const unknown = Object.keys(payload).filter((k) => !KNOWN.has(k));
  if (unknown.length > 0) return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}; GA4 takes ${[...KNOWN].join(', ')}`;
  const id = stream === 'web' ? 'client_id' : 'app_instance_id';
  if (typeof payload[id] !== 'string' || payload[id] === '') return `${stream === 'web' ? 'a web' : 'an app'} stream needs "${id}"`;
  const name = payload.name;
  if (typeof name !== 'string') return 'the event has no "name"';
  if (!EVENT_NAME.test(name)) return `event name "${name}": at most 40 letters, digits and underscores, starting with a letter`;
  if (RESERVED_EVENT_NAMES.has(name) || RESERVED_PREFIXES.some((p) => name.startsWith(p))) return `event name "${name}" is reserved by Google Analytics`;
  if (payload.params !== undefined && !isObject(payload.params)) return '"params" must be an object';
  const ts = payload.timestamp_micros;
  if (ts !== undefined) {
    if (typeof ts !== 'number' || !Number.isInteger(ts)) return 'timestamp_micros must be an integer number of microseconds';
    if (ts / 1000 < now - MAX_AGE_MS) return `the event is ${Math.round((now - ts / 1000) / 3_600_000)} hours old; GA4 takes events at most 72 hours old`;
  }
  return undefined;
}
