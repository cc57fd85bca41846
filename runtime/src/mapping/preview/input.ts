import { isObject, type JsonObject, type SegmentEvent } from '../../event.ts';
import { mergeBatchFields } from '../../ingest/batch.ts';
import { EVENT_CODES } from '../../ingest/codes.ts';
import { formatIso, readTime } from '../../ingest/timestamps.ts';
import { normaliseEvent } from '../../ingest/normalise.ts';
import { checkEvent } from '../../ingest/validate.ts';

/** At most this many events per preview: the output is for reading. */
export const MAX_PREVIEW_EVENTS = 1000;

/** Input that cannot be read as events at all. */
export class PreviewInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreviewInputError';
  }
}

export interface ReadEvents {
  /** Events as the ingest would store them: messageId, receivedAt and timestamps filled in. */
  events: SegmentEvent[];
  /** Items the ingest would refuse, with its reason code. */
  refused: Array<{ index: number; code: string; field: string; message: string }>;
}

/**
 * Reads events the way a Segment client sends them: one JSON event, a JSON array of
 * events, a batch body (`{"batch": […], "context": …}`), or one JSON event per line. Each
 * is checked and normalised like the ingest does, so previews see what delivery would.
 */
export function readEvents(text: string, where: string, now: number = Date.now()): ReadEvents {
  const { items, context, integrations, sentAt } = parse(text, where);
  if (items.length === 0) throw new PreviewInputError(`reading events from ${where}: no events found`);
  if (items.length > MAX_PREVIEW_EVENTS) throw new PreviewInputError(`reading events from ${where}: ${items.length} events; preview at most ${MAX_PREVIEW_EVENTS} at once`);
  const facts = { receivedAt: now, receivedAtIso: formatIso(now), ip: undefined, sentAt: readTime(sentAt), type: undefined };
  const out: ReadEvents = { events: [], refused: [] };
  items.forEach((raw, index) => {
    const item = isObject(raw) ? structuredClone(raw) : raw;
    if (isObject(item)) mergeBatchFields(item, context, integrations);
    const bad = checkEvent(item, undefined);
    if (bad) {
      out.refused.push({ index, code: bad.code, field: bad.field, message: EVENT_CODES[bad.code] ?? bad.code });
      return;
    }
    out.events.push(normaliseEvent(item as JsonObject, facts));
  });
  return out;
}

function parse(text: string, where: string): { items: unknown[]; context?: JsonObject; integrations?: JsonObject; sentAt?: unknown } {
  const trimmed = text.trim();
  if (trimmed === '') throw new PreviewInputError(`reading events from ${where}: the input is empty`);
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch (err) {
    const lines = trimmed.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) throw new PreviewInputError(`reading events from ${where}: not JSON: ${(err as Error).message}`);
    return { items: lines.map((line, i) => parseLine(line, i, where)) };
  }
  if (Array.isArray(whole)) return { items: whole };
  if (isObject(whole) && Array.isArray(whole.batch)) {
    return {
      items: whole.batch as unknown[],
      ...(isObject(whole.context) ? { context: whole.context } : {}),
      ...(isObject(whole.integrations) ? { integrations: whole.integrations } : {}),
      sentAt: whole.sentAt,
    };
  }
  if (isObject(whole)) return { items: [whole] };
  throw new PreviewInputError(`reading events from ${where}: expected an event object, an array of events or a batch, got ${typeof whole}`);
}

function parseLine(line: string, i: number, where: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new PreviewInputError(`reading events from ${where}: line ${i + 1} is not JSON: ${(err as Error).message}`);
  }
}
