import { header, parseRetryAfter } from '../../classify.ts';
import { resultForResponse, type HttpResponse } from '../../http.ts';
import type { SendResult } from '../../types.ts';
import { answerError, indicesAfter, listedPositions } from '../../batching/index.ts';
import type { AmplitudeApi, AmplitudeRequest } from './request.ts';

/**
 * How long to leave a throttled user or device alone: HTTP V2 asks for 30 s, Batch Event
 * Upload suggests about 15 s. A user or device over its daily quota counts events over a
 * rolling 24 hours checked every hour, so it waits an hour.
 */
export const THROTTLE_WAIT_MS: Record<AmplitudeApi, number> = { http: 30_000, batch: 15_000 };
export const DAILY_QUOTA_WAIT_MS = 3_600_000;

export interface AmplitudeAnswerContext {
  api: AmplitudeApi;
  secrets: readonly string[];
  now?: number;
}

/**
 * One result per event of the request. 200: all delivered. 400 naming events (invalid or
 * missing fields, silenced devices, throttled ones): those are dead-lettered or deferred,
 * and the rest, which Amplitude did not ingest either, are sent again at once. 400 naming
 * none: the request itself is wrong (an invalid API key is an auth error). 429: throttled
 * events wait as documented, the others are sent again. Everything else as usual
 * (413 payload, 403 auth, 5xx retried).
 */
export function classifyAmplitudeResponse(res: HttpResponse, request: AmplitudeRequest, ctx: AmplitudeAnswerContext): SendResult[] {
  const count = request.positions.length;
  const { spec } = request;
  const err = (kind: 'payload' | 'permanent' | 'retryable' | 'auth', detail: string, retryAfterMs?: number): SendResult => ({
    ok: false,
    error: answerError(spec, res, ctx.secrets, { kind, detail, retryAfterMs }),
  });
  const body = res.body;
  const throttled = listedPositions(indicesAfter(body, 'throttled_events'), count);
  const headerWait = parseRetryAfter(header(res.headers, 'retry-after'), ctx.now ?? Date.now());
  const throttleWait = headerWait ?? THROTTLE_WAIT_MS[ctx.api];

  if (res.status === 400) {
    const invalid = fieldsByIndex(body, count, ['events_with_invalid_fields', 'events_with_missing_fields']);
    const silenced = listedPositions(indicesAfter(body, 'silenced_events'), count);
    if (invalid.size === 0 && silenced.size === 0 && throttled.size === 0) {
      const message = errorText(body) ?? 'the request was rejected';
      const result = err(/api.?key/i.test(message) ? 'auth' : 'payload', message);
      return request.positions.map(() => result);
    }
    const resend = err('retryable', 'not ingested because other events of the request were rejected; sending again');
    return request.positions.map((_, i) => {
      const fields = invalid.get(i);
      if (fields) return err('payload', `event rejected: invalid or missing ${fields.join(', ')}`);
      if (silenced.has(i)) return err('permanent', 'event rejected: Amplitude silenced its device_id');
      if (throttled.has(i)) return err('retryable', 'its user or device is throttled', throttleWait);
      return resend;
    });
  }

  if (res.status === 429) {
    const overUsers = new Set(keysAfter(body, 'exceeded_daily_quota_users'));
    const overDevices = new Set(keysAfter(body, 'exceeded_daily_quota_devices'));
    const anyListed = throttled.size > 0 || overUsers.size > 0 || overDevices.size > 0;
    const resend = err('retryable', 'not ingested because other events of the request were throttled; sending again', headerWait);
    return request.positions.map((_, i) => {
      const ids = request.ids[i];
      if ((ids?.userId !== undefined && overUsers.has(ids.userId)) || (ids?.deviceId !== undefined && overDevices.has(ids.deviceId))) {
        return err('retryable', 'its user or device is over the daily event quota', Math.max(DAILY_QUOTA_WAIT_MS, headerWait ?? 0));
      }
      if (throttled.has(i) || !anyListed) return err('retryable', 'its user or device is throttled', throttleWait);
      return resend;
    });
  }

  const result = resultForResponse(spec, res, ctx.secrets, ctx.now);
  return request.positions.map(() => result);
}

/**
 * Event index → field names, from maps of field name → event indices
 * (`{"time": [3, 4], "event_type": [4]}`). Read with patterns, so a body cut short still
 * yields the indices before the cut.
 */
export function fieldsByIndex(body: string, count: number, keys: readonly string[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const key of keys) {
    const at = body.indexOf(`"${key}"`);
    if (at < 0) continue;
    const open = /^\s*:\s*\{/.exec(body.slice(at + key.length + 2));
    if (!open) continue;
    const start = at + key.length + 2 + open[0].length;
    const close = body.indexOf('}', start);
    const section = body.slice(start, close < 0 ? body.length : close);
    for (const m of section.matchAll(/"((?:[^"\\]|\\.)*)"\s*:\s*\[([0-9,\s]*)(\])?/g)) {
      const numbers = [...m[2]!.matchAll(/([0-9]+)\s*(?=,|$)/g)].map((n) => Number(n[1]));
      if (m[3] === undefined && numbers.length > 0 && !/,\s*$/.test(m[2]!)) numbers.pop();
      for (const i of listedPositions(numbers, count)) out.set(i, [...(out.get(i) ?? []), m[1]!]);
    }
  }
  return out;
}

/** Keys of the JSON object that follows `"key":` (user or device ids of a quota list). */
export function keysAfter(body: string, key: string): string[] {
  const at = body.indexOf(`"${key}"`);
  if (at < 0) return [];
  const open = /^\s*:\s*\{/.exec(body.slice(at + key.length + 2));
  if (!open) return [];
  const start = at + key.length + 2 + open[0].length;
  const close = body.indexOf('}', start);
  const section = body.slice(start, close < 0 ? body.length : close);
  return [...section.matchAll(/"((?:[^"\\]|\\.)*)"\s*:/g)].map((m) => unescape(m[1]!));
}

function errorText(body: string): string | undefined {
  const m = /"error"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(body);
  return m ? unescape(m[1]!) : undefined;
}

function unescape(s: string): string {
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    return s;
  }
}
