import { isObject, type EventType, type JsonObject } from '../event.ts';
import { IngestError } from './codes.ts';

/** What a request carries once its envelope is taken apart. */
export interface Envelope {
  items: unknown[];
  /** The call type the endpoint implies (single-event endpoints); batch items carry their own. */
  type: EventType | undefined;
  /** Batch-level sentAt: applies to every item that has none of its own. */
  sentAt: unknown;
  context: JsonObject | undefined;
  integrations: JsonObject | undefined;
}

/** Takes a parsed body apart: a batch (`/batch`, `/b`, `/import`) or one event. */
export function openEnvelope(body: JsonObject, type: EventType | undefined, maxEvents: number): Envelope {
  if (type !== undefined) return { items: [body], type, sentAt: undefined, context: undefined, integrations: undefined };
  const batch = body.batch;
  if (batch === undefined || batch === null) throw new IngestError('empty_batch', 'reading the batch: the body has no `batch` array');
  if (!Array.isArray(batch)) throw new IngestError('invalid_batch', 'reading the batch: `batch` is not an array');
  if (batch.length === 0) throw new IngestError('empty_batch', 'reading the batch: `batch` is empty');
  if (batch.length > maxEvents) {
    throw new IngestError('too_many_events', `reading the batch: ${batch.length} events, more than the ${maxEvents} allowed in one request`);
  }
  return {
    items: batch as unknown[],
    type: undefined,
    sentAt: body.sentAt,
    context: optionalObject(body.context, 'context'),
    integrations: optionalObject(body.integrations, 'integrations'),
  };
}

function optionalObject(v: unknown, field: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new IngestError('invalid_batch', `reading the batch: the top-level \`${field}\` is not an object`);
  return v;
}

/**
 * Merges the batch-level context and integrations into one item, the item winning: context
 * one level deep (a batch `context.device` and an item `context.device` combine key by key),
 * integrations shallowly. Every item gets its own copies, since later steps (IP, tracking
 * plan stamps) write into them. An item whose own context is not an object is left as is
 * for validation to refuse.
 */
export function mergeBatchFields(item: JsonObject, context: JsonObject | undefined, integrations: JsonObject | undefined): void {
  if (context !== undefined) {
    const own = item.context;
    if (own === undefined || own === null) item.context = copyTwoLevels(context);
    else if (isObject(own)) item.context = mergeTwoLevels(context, own);
  }
  if (integrations !== undefined) {
    const own = item.integrations;
    if (own === undefined || own === null) item.integrations = { ...integrations };
    else if (isObject(own)) item.integrations = { ...integrations, ...own };
  }
}

function copyTwoLevels(src: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const k in src) {
    const v = src[k];
    out[k] = isObject(v) ? { ...v } : v;
  }
  return out;
}

function mergeTwoLevels(base: JsonObject, own: JsonObject): JsonObject {
  const out = copyTwoLevels(base);
  for (const k in own) {
    const v = own[k];
    const b = out[k];
    out[k] = isObject(v) && isObject(b) ? { ...b, ...v } : v;
  }
  return out;
}
