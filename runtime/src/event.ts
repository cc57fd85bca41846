/** The six Segment call types. */
export const EVENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export type JsonObject = Record<string, unknown>;

/**
 * A normalised Segment event as it travels on the bus: the client's fields kept as sent,
 * plus messageId (always set), receivedAt, and the corrected timestamp.
 */
export interface SegmentEvent {
  type: EventType;
  messageId: string;
  userId?: string | null;
  anonymousId?: string | null;
  event?: string;
  name?: string;
  category?: string;
  properties?: JsonObject;
  traits?: JsonObject;
  groupId?: string;
  previousId?: string;
  context?: JsonObject;
  integrations?: Record<string, unknown>;
  /** Corrected event time (ISO-8601 UTC). */
  timestamp: string;
  /** The client's own timestamp, when it sent one. */
  originalTimestamp?: string;
  sentAt?: string;
  /** Server time of arrival (ISO-8601 UTC). */
  receivedAt: string;
  [field: string]: unknown;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
