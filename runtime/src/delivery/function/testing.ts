import type { EventType, SegmentEvent } from '../../event.ts';

let seq = 0;

/** A normalised event as delivery receives it from the bus. */
export function event(type: EventType, fields: Partial<SegmentEvent> = {}): SegmentEvent {
  seq++;
  return {
    type,
    messageId: `m-${seq}`,
    userId: `user-${seq}`,
    timestamp: '2025-01-01T12:00:00.000Z',
    receivedAt: '2025-01-01T12:00:00.100Z',
    ...fields,
  };
}

export function track(name: string, fields: Partial<SegmentEvent> = {}): SegmentEvent {
  return event('track', { event: name, properties: {}, ...fields });
}
