import { resultForResponse, type HttpResponse, type PlannedRequest } from '../../http.ts';
import type { SendResult } from '../../types.ts';
import { answerError, jsonObject, listedPositions } from '../../batching/index.ts';

/**
 * One result per event of the request. /import with strict=1 ingests every event that
 * passes validation and answers 400 listing the others in `failed_records` (by index):
 * those are dead-lettered, the rest were delivered. When the answer was cut short before
 * the list ended, the unlisted events may or may not have failed, so they are sent again
 * ($insert_id makes that safe); the listed ones still dead-letter. A 400 that lists no
 * event rejected the request as a whole. 401/403 are auth, 413 payload, 429 and 5xx
 * retried (Mixpanel asks for backoff; a Retry-After, if any, is honoured).
 */
export function classifyMixpanelResponse(res: HttpResponse, request: PlannedRequest, secrets: readonly string[]): SendResult[] {
  if (res.status !== 400) {
    const result = resultForResponse(request.spec, res, secrets);
    return request.positions.map(() => result);
  }
  const count = request.positions.length;
  const parsed = jsonObject(res.body);
  const failures = parsed ? failuresOf(parsed, count) : salvageFailures(res.body, count);
  const err = (kind: 'payload' | 'retryable', detail: string): SendResult => ({ ok: false, error: answerError(request.spec, res, secrets, { kind, detail }) });
  const unknown = parsed ? undefined : err('retryable', 'the answer was cut short before saying whether this event was imported; sending again');
  if (failures.size === 0 && unknown && res.body.includes('"failed_records"')) return request.positions.map(() => unknown);
  if (failures.size === 0) {
    const message = parsed && typeof parsed.error === 'string' ? parsed.error : 'the request was rejected';
    const result = err('payload', message);
    return request.positions.map(() => result);
  }
  return request.positions.map((_, i) => {
    const detail = failures.get(i);
    if (detail !== undefined) return err('payload', `event rejected: ${detail}`);
    return unknown ?? { ok: true };
  });
}

/** Index → "field: message" of each failed record. */
function failuresOf(body: Record<string, unknown>, count: number): Map<number, string> {
  const out = new Map<number, string>();
  const records = Array.isArray(body.failed_records) ? (body.failed_records as unknown[]) : [];
  for (const r of records) {
    if (typeof r !== 'object' || r === null) continue;
    const { index, field, message } = r as { index?: unknown; field?: unknown; message?: unknown };
    if (typeof index !== 'number' || !listedPositions([index], count).has(index)) continue;
    const what = [typeof field === 'string' ? field : undefined, typeof message === 'string' ? message : undefined].filter(Boolean).join(': ');
    out.set(index, what || 'failed validation');
  }
  return out;
}

/** The indices of failed records in an answer cut short, each with no more detail than that. */
export function salvageFailures(body: string, count: number): Map<number, string> {
  const at = body.indexOf('"failed_records"');
  if (at < 0) return new Map();
  const indices = [...body.slice(at).matchAll(/"index"\s*:\s*([0-9]+)\s*[,}]/g)].map((m) => Number(m[1]));
  return new Map([...listedPositions(indices, count)].map((i) => [i, 'failed validation (the answer was cut short)']));
}
