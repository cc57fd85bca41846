import { createHash } from 'node:crypto';
import { isObject } from '../../../event.ts';
import type { OutboundEvent } from '../../types.ts';
import { packBySize, refusal, type RequestPlan } from '../../batching/index.ts';

/** Mixpanel settings with defaults applied and credentials resolved. */
export interface MixpanelTarget {
  /** …/import?strict=1[&project_id=…] */
  url: string;
  /** The Authorization header: a service account, or the project token with an empty password. */
  authorization: string;
}

/** Documented limits of /import: 2,000 events and 10 MB (uncompressed) per request, each event under 1 MB. */
export const MAX_EVENTS = 2000;
export const MAX_REQUEST_BYTES = 10_000_000;
export const MAX_EVENT_BYTES = 1_000_000;

export const USER_AGENT = 'sluice-mixpanel/0.1';

/** $insert_id: at most 36 bytes of letters, digits and '-'. */
const INSERT_ID = /^[A-Za-z0-9-]{1,36}$/;

/**
 * POSTs of a JSON array of `{"event", "properties"}` to /import with strict validation on,
 * so the answer names each rejected event. Every event needs a name, properties.time and
 * properties.distinct_id; properties.$insert_id, which makes retries safe, is made valid
 * here when the mapping's is missing or not in Mixpanel's format (36 characters of a
 * SHA-256 of it, the derivation Mixpanel recommends).
 */
export function buildMixpanelRequests(batch: readonly OutboundEvent[], target: MixpanelTarget): RequestPlan {
  const plan: RequestPlan = { requests: [], refused: [] };
  const ready: Array<{ position: number; json: string; bytes: number }> = [];
  batch.forEach((e, position) => {
    const problem = checkEvent(e.payload);
    if (problem || !isObject(e.payload) || !isObject(e.payload.properties)) {
      plan.refused.push(refusal(position, problem ?? 'the mapped payload is not an object'));
      return;
    }
    const properties = e.payload.properties;
    const insertId = insertIdFor(properties.$insert_id, e.messageId);
    const event = insertId === properties.$insert_id ? e.payload : { ...e.payload, properties: { ...properties, $insert_id: insertId } };
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json);
    if (bytes >= MAX_EVENT_BYTES) plan.refused.push(refusal(position, `the event is ${bytes} bytes; Mixpanel takes events under ${MAX_EVENT_BYTES}`, 'too_large'));
    else ready.push({ position, json, bytes });
  });
  const { groups } = packBySize(ready, (r) => r.bytes, { maxCount: MAX_EVENTS, maxBytes: MAX_REQUEST_BYTES, overhead: 2 });
  for (const group of groups) {
    const spec = {
      method: 'POST',
      url: target.url,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': USER_AGENT, authorization: target.authorization },
      body: `[${group.map((r) => r.json).join(',')}]`,
      messageIds: group.map((r) => batch[r.position]!.messageId),
    };
    plan.requests.push({ spec, positions: group.map((r) => r.position) });
  }
  return plan;
}

/** Why /import would reject this event whatever else is in the request, or undefined. */
export function checkEvent(payload: unknown): string | undefined {
  if (!isObject(payload)) return 'the mapped payload is not an object';
  if (typeof payload.event !== 'string' || payload.event === '') return 'the event has no "event" name';
  const p = payload.properties;
  if (!isObject(p)) return 'the event has no "properties" object';
  if (typeof p.time !== 'number' || !Number.isFinite(p.time)) return 'properties.time must be seconds or milliseconds since the epoch';
  if (typeof p.distinct_id !== 'string') return 'properties.distinct_id must be text (empty when no user is known)';
  return undefined;
}

/** The mapped $insert_id when Mixpanel takes it as is; else one derived from it (or from the messageId) that it takes. */
export function insertIdFor(mapped: unknown, messageId: string): string {
  if (typeof mapped === 'string' && INSERT_ID.test(mapped)) return mapped;
  const source = typeof mapped === 'string' && mapped !== '' ? mapped : messageId;
  return INSERT_ID.test(source) ? source : createHash('sha256').update(source).digest('hex').slice(0, 36);
}
