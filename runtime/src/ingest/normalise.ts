import { randomUUID } from 'node:crypto';
import { isObject, type EventType, type JsonObject, type SegmentEvent } from '../event.ts';
import { correctTimes, readTime, type ClientTime } from './timestamps.ts';

/** Facts about the request every event in it shares. */
export interface RequestFacts {
  /** Server time of arrival, ms since the epoch. */
  receivedAt: number;
  receivedAtIso: string;
  /** The client's address, for context.ip. */
  ip: string | undefined;
  /** Batch-level sentAt, read once for the whole request. */
  sentAt: ClientTime | undefined;
  /** The type the endpoint implies; batch items carry their own. */
  type: EventType | undefined;
}

export const MESSAGE_ID_PREFIX = 'sluice-';

/**
 * Turns a well-formed item (checkEvent passed) into the event the bus stores, in place:
 * the client's fields are kept as sent except the secret writeKey and the server-owned
 * context.protocols; messageId, receivedAt, the corrected timestamp and context.ip are
 * filled in.
 */
export function normaliseEvent(item: JsonObject, facts: RequestFacts): SegmentEvent {
  if (facts.type !== undefined) item.type = facts.type;
  delete item.writeKey;
  if (typeof item.messageId !== 'string' || item.messageId === '') item.messageId = MESSAGE_ID_PREFIX + randomUUID();
  // null stands for "absent" in what SDKs send; downstream code should not see both.
  for (const field of ['properties', 'traits', 'context', 'integrations'] as const) {
    if (item[field] === null) delete item[field];
  }

  const own = item.sentAt === undefined || item.sentAt === null ? undefined : readTime(item.sentAt);
  const times = correctTimes(facts.receivedAt, facts.receivedAtIso, item.timestamp, own ?? facts.sentAt);
  item.timestamp = times.timestamp;
  if (times.originalTimestamp === undefined) delete item.originalTimestamp;
  else item.originalTimestamp = times.originalTimestamp;
  if (times.sentAt === undefined) delete item.sentAt;
  else item.sentAt = times.sentAt;
  item.receivedAt = facts.receivedAtIso;

  // context.protocols is what the tracking plan found; a client must not forge or hide it.
  if (isObject(item.context) && 'protocols' in item.context) delete item.context.protocols;

  if (facts.ip !== undefined) {
    const context = item.context;
    if (context === undefined) item.context = { ip: facts.ip };
    else if (isObject(context) && (context.ip === undefined || context.ip === null || context.ip === '')) context.ip = facts.ip;
  }
  return item as SegmentEvent;
}

/**
 * The client's address: the first X-Forwarded-For hop when a proxy or load balancer put one
 * there, else the peer. Clients may set context.ip themselves, so believing the header grants
 * nothing they could not already do.
 */
export function clientIp(forwardedFor: string | string[] | undefined, peer: string | undefined): string | undefined {
  const header = Array.isArray(forwardedFor) ? forwardedFor[0] : forwardedFor;
  if (header) {
    const comma = header.indexOf(',');
    const first = (comma < 0 ? header : header.slice(0, comma)).trim();
    if (first && first.length <= 64) return first;
  }
  if (!peer) return undefined;
  return peer.startsWith('::ffff:') ? peer.slice(7) : peer;
}
