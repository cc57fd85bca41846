import type { SegmentEvent } from '../../event.ts';
import { BusError, type DeadLetterInput } from '../types.ts';
import { hashId } from './dedup.ts';
import { LIMITS, checkName, truncate } from './decide.ts';
import type { PreparedDeadLetter } from './holding.ts';
import type { PreparedEvent } from './log.ts';

/** Checks and serialises what callers pass, before any transaction starts: transactions only write. */

export function prepareEvent(event: SegmentEvent): PreparedEvent {
  const messageId = event.messageId;
  if (typeof messageId !== 'string' || messageId.length === 0 || messageId.length > LIMITS.maxMessageIdLength) {
    throw new BusError(`publishing an event: messageId must be 1 to ${LIMITS.maxMessageIdLength} characters`, { kind: 'invalid' });
  }
  let body: string;
  try {
    body = JSON.stringify(event);
  } catch (cause) {
    throw new BusError(`publishing ${messageId}: the event is not JSON (${(cause as Error).message})`, { kind: 'invalid', cause });
  }
  return { messageId, hash: hashId(messageId), body };
}

export function prepareDeadLetter(e: DeadLetterInput): PreparedDeadLetter {
  checkName('source', e.source);
  return {
    source: e.source,
    messageId: String(e.event.messageId ?? ''),
    body: JSON.stringify(e.event),
    reason: truncate(String(e.reason), LIMITS.maxReasonLength),
    status: e.status ?? null,
    bodyExcerpt: e.bodyExcerpt === undefined ? null : truncate(e.bodyExcerpt, LIMITS.maxExcerptLength),
    attempts: e.attempts,
  };
}
