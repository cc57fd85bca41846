import { EVENT_TYPES, isObject, type EventType, type JsonObject } from '../event.ts';
import type { EventCode } from './codes.ts';

export interface Malformed {
  code: EventCode;
  /** The offending field ('' for the event as a whole). */
  field: string;
}

const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
export const MAX_MESSAGE_ID = 100;

/**
 * Segment's per-event checks, in the order its API applies them, so the reason code a
 * client sees is the one it would get from Segment. Returns undefined for a well-formed event.
 */
export function checkEvent(item: unknown, type: EventType | undefined): Malformed | undefined {
  if (!isObject(item)) return { code: 'event_not_object', field: '' };
  const t = type ?? item.type;
  if (typeof t !== 'string' || !TYPES.has(t)) return { code: 'invalid_type', field: 'type' };

  const messageId = item.messageId;
  if (messageId !== undefined && messageId !== null && (typeof messageId !== 'string' || messageId.length > MAX_MESSAGE_ID)) {
    return { code: 'message_id_invalid', field: 'messageId' };
  }
  const ids = checkIds(item, t as EventType);
  if (ids) return ids;

  for (const field of ['context', 'integrations'] as const) {
    const v = item[field];
    if (v !== undefined && v !== null && !isObject(v)) return { code: `${field}_not_object`, field };
  }
  switch (t as EventType) {
    case 'track': {
      const event = item.event;
      if (event === undefined || event === null || event === '') return { code: 'event_not_defined', field: 'event' };
      if (typeof event !== 'string') return { code: 'event_not_string', field: 'event' };
      return objectField(item, 'properties');
    }
    case 'page':
    case 'screen':
      return objectField(item, 'properties');
    case 'identify':
    case 'group':
      return objectField(item, 'traits');
    case 'alias':
      return undefined;
  }
}

function checkIds(item: JsonObject, type: EventType): Malformed | undefined {
  for (const field of ['userId', 'anonymousId', 'groupId', 'previousId'] as const) {
    const v = item[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return { code: 'id_not_string', field };
  }
  if (type === 'alias') {
    if (!item.previousId) return { code: 'previous_id_missing', field: 'previousId' };
    if (!item.userId) return { code: 'user_id_missing', field: 'userId' };
    return undefined;
  }
  if (!item.userId && !item.anonymousId) return { code: 'no_user_anon_id', field: 'userId' };
  if (type === 'group' && !item.groupId) return { code: 'group_id_missing', field: 'groupId' };
  return undefined;
}

function objectField(item: JsonObject, field: 'properties' | 'traits'): Malformed | undefined {
  const v = item[field];
  if (v === undefined || v === null || isObject(v)) return undefined;
  return { code: `${field}_not_object`, field };
}
