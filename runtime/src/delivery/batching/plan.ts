import { asDeliveryError, resultForResponse, type HttpClient, type HttpResponse, type PlannedRequest } from '../http.ts';
import { DeliveryError, type SendResult } from '../types.ts';

/*
 * Batching and per-event results for destinations whose API takes many events per request
 * and may accept part of them (segment, amplitude, mixpanel, ga4, webhook).
 */

/** The requests for one batch, and the events refused before any request was made. */
export interface RequestPlan<R extends PlannedRequest = PlannedRequest> {
  requests: R[];
  refused: Array<{ position: number; error: DeliveryError }>;
}

export interface PackLimits {
  /** Most items in one request. */
  maxCount: number;
  /** Most bytes in one request body. */
  maxBytes: number;
  /** Bytes of the envelope around the items; one separator byte goes between items. */
  overhead: number;
}

/**
 * Splits items, in order, into consecutive groups that each fit one request. An item too
 * large to fit even alone is returned in `tooLarge` instead of poisoning a whole request.
 */
export function packBySize<T>(items: readonly T[], sizeOf: (item: T) => number, limits: PackLimits): { groups: T[][]; tooLarge: T[] } {
  const groups: T[][] = [];
  const tooLarge: T[] = [];
  let current: T[] = [];
  let bytes = limits.overhead;
  for (const item of items) {
    const size = sizeOf(item);
    if (limits.overhead + size > limits.maxBytes) {
      tooLarge.push(item);
      continue;
    }
    const added = current.length === 0 ? size : size + 1;
    if (current.length > 0 && (current.length >= limits.maxCount || bytes + added > limits.maxBytes)) {
      groups.push(current);
      current = [];
      bytes = limits.overhead;
    }
    bytes += current.length === 0 ? size : size + 1;
    current.push(item);
  }
  if (current.length > 0) groups.push(current);
  return { groups, tooLarge };
}

/** An event the destination's API would reject (or silently drop): dead-lettered with the reason, never sent. */
export function refusal(position: number, reason: string, code = 'invalid_payload'): { position: number; error: DeliveryError } {
  return { position, error: new DeliveryError(`building the request: ${reason}`, { kind: 'payload', code }) };
}

/** Reads one answer into one result per event the request carried, in `positions` order. */
export type Classifier<R extends PlannedRequest> = (res: HttpResponse, request: R) => SendResult[];

/**
 * Sends every request of a plan at once (the engine bounds concurrency per batch) and
 * spreads each answer over its events as the classifier reads it, so a partly accepted
 * request retries or dead-letters only the events that need it.
 */
export async function sendPlan<R extends PlannedRequest>(
  client: HttpClient,
  plan: RequestPlan<R>,
  size: number,
  signal: AbortSignal,
  secrets: readonly string[],
  classify: Classifier<R>,
): Promise<SendResult[]> {
  const results = new Array<SendResult | undefined>(size);
  for (const r of plan.refused) results[r.position] = { ok: false, error: r.error };
  await Promise.all(
    plan.requests.map(async (request) => {
      let perEvent: SendResult[];
      try {
        perEvent = classify(await client.request(request.spec, signal), request);
      } catch (err) {
        const failed: SendResult = { ok: false, error: asDeliveryError(err, secrets) };
        perEvent = request.positions.map(() => failed);
      }
      request.positions.forEach((p, i) => {
        results[p] = perEvent[i] ?? { ok: false, error: new DeliveryError('reading the answer: no result for the event', { kind: 'retryable', code: 'internal' }) };
      });
    }),
  );
  return Array.from(results, (r) => r ?? { ok: false, error: new DeliveryError('building requests: the event was not carried by any request', { kind: 'permanent', code: 'unsent' }) });
}

/** For APIs whose answer is about the whole request: every event it carried gets the answer's outcome (status classes, Retry-After). */
export function wholeRequest(secrets: readonly string[]): Classifier<PlannedRequest> {
  return (res, req) => {
    const result = resultForResponse(req.spec, res, secrets);
    return req.positions.map(() => result);
  };
}
