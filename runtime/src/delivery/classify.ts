import type { DeliveryErrorKind } from './types.ts';

export type HttpHeaders = Record<string, string | string[] | undefined>;

export type StatusClass = { ok: true } | { ok: false; kind: DeliveryErrorKind; retryAfterMs?: number };

/** Statuses worth retrying besides 5xx: timeout, locked, rate limited. */
const RETRYABLE = new Set([408, 423, 429]);
const AUTH = new Set([401, 403]);
const PAYLOAD = new Set([400, 413, 415, 422]);

/**
 * What an HTTP answer means for the events it carried: 2xx delivered; network-ish and
 * overload answers retried (with the server's Retry-After); credentials problems, payload
 * rejections and every other status dead-lettered at once.
 */
export function classifyHttpStatus(status: number, headers: HttpHeaders, now = Date.now()): StatusClass {
  if (status >= 200 && status < 300) return { ok: true };
  if (RETRYABLE.has(status) || (status >= 500 && status < 600)) {
    const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), now);
    return retryAfterMs === undefined ? { ok: false, kind: 'retryable' } : { ok: false, kind: 'retryable', retryAfterMs };
  }
  if (AUTH.has(status)) return { ok: false, kind: 'auth' };
  if (PAYLOAD.has(status)) return { ok: false, kind: 'payload' };
  return { ok: false, kind: 'permanent' };
}

/** Longest wait a server may ask for; beyond it maxAge decides anyway. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * Retry-After as delay-seconds or an HTTP date, in milliseconds from `now`; undefined
 * when absent or unreadable. Dates in the past mean "now" (0).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^[0-9]+(\.[0-9]+)?$/.test(text)) return Math.min(Math.round(Number(text) * 1000), MAX_RETRY_AFTER_MS);
  // An HTTP date always names a weekday or month; this keeps Date.parse from reading "12" as a year.
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

export function header(headers: HttpHeaders, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
