import { classifyHttpStatus, header, parseRetryAfter, type HttpHeaders, MAX_RETRY_AFTER_MS } from '../../classify.ts';
import type { HttpResponse } from '../../http.ts';
import type { DeliveryErrorKind } from '../../types.ts';
import { jsonObject, type Verdict } from '../../batching/index.ts';

/**
 * Graph API error codes by what to do about them (Graph API "Handling errors"): throttling
 * and temporary failures come back as 400 or 500 with these codes, not as 429.
 */
const RETRY_CODES = new Set([1, 2, 4, 17, 32, 341, 368, 613]);
/** 80000–80014: the Marketing API's business use case rate limits. */
const isAdsThrottle = (code: number) => code >= 80000 && code <= 80014;
const AUTH_CODES = new Set([3, 10, 102, 190]);
/** 200–299: permission errors. */
const isPermission = (code: number) => code >= 200 && code <= 299;
/** Code 100 "invalid parameter" with subcode 33: the pixel does not exist or the token cannot see it. */
const MISSING_OBJECT_SUBCODE = 33;

export interface GraphError {
  code?: number;
  subcode?: number;
  message?: string;
  userMessage?: string;
  transient?: boolean;
}

export function graphError(body: string): GraphError | undefined {
  const err = jsonObject(body)?.['error'];
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as Record<string, unknown>;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const out: GraphError = {};
  const code = num(e['code']);
  const subcode = num(e['error_subcode']);
  const message = str(e['message']);
  const userMessage = str(e['error_user_msg']);
  if (code !== undefined) out.code = code;
  if (subcode !== undefined) out.subcode = subcode;
  if (message !== undefined) out.message = message;
  if (userMessage !== undefined) out.userMessage = userMessage;
  if (typeof e['is_transient'] === 'boolean') out.transient = e['is_transient'];
  return out;
}

/** What a Graph API error code asks for; undefined when the code says nothing the status does not. */
export function kindOfGraphError(e: GraphError): DeliveryErrorKind | undefined {
  const code = e.code;
  if (e.transient === true) return 'retryable';
  if (code === undefined) return undefined;
  if (RETRY_CODES.has(code) || isAdsThrottle(code)) return 'retryable';
  if (AUTH_CODES.has(code) || isPermission(code)) return 'auth';
  if (code === 100) return e.subcode === MISSING_OBJECT_SUBCODE ? 'permanent' : 'payload';
  return undefined;
}

/**
 * Meta's answer to a POST /events: 2xx accepted every event; otherwise the Graph error
 * code decides (its status is often 400 even for throttling), falling back on the status.
 * A throttled answer waits for Retry-After or, without one, the business use case
 * header's estimated_time_to_regain_access.
 */
export function classifyMetaResponse(res: HttpResponse, now = Date.now()): Verdict {
  const byStatus = classifyHttpStatus(res.status, res.headers, now);
  if (byStatus.ok) return { ok: true };
  const e = graphError(res.body);
  const kind = (e && kindOfGraphError(e)) ?? byStatus.kind;
  const verdict: Verdict = { ok: false, kind };
  if (e) {
    const words = e.userMessage ?? e.message ?? 'Graph API error';
    const ids = [e.code === undefined ? '' : `code ${e.code}`, e.subcode === undefined ? '' : `subcode ${e.subcode}`].filter(Boolean).join(', ');
    verdict.reason = ids ? `${words} (${ids})` : words;
    if (e.code !== undefined) verdict.code = `graph_${e.code}`;
  }
  if (kind === 'retryable') {
    const wait = byStatus.retryAfterMs ?? parseRetryAfter(header(res.headers, 'retry-after'), now) ?? regainAccessMs(res.headers);
    if (wait !== undefined) verdict.retryAfterMs = wait;
  }
  return verdict;
}

/**
 * The longest estimated_time_to_regain_access (minutes) in X-Business-Use-Case-Usage,
 * `{"<business id>": [{"type": "ads_management", …, "estimated_time_to_regain_access": 5}]}`.
 */
export function regainAccessMs(headers: HttpHeaders): number | undefined {
  const raw = header(headers, 'x-business-use-case-usage');
  if (raw === undefined || raw.length > 16_384) return undefined;
  let minutes: number | undefined;
  try {
    const usage: unknown = JSON.parse(raw);
    if (typeof usage !== 'object' || usage === null) return undefined;
    for (const entries of Object.values(usage)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries as unknown[]) {
        const m = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)['estimated_time_to_regain_access'] : undefined;
        if (typeof m === 'number' && Number.isFinite(m) && m > 0) minutes = Math.max(minutes ?? 0, m);
      }
    }
  } catch {
    return undefined;
  }
  return minutes === undefined ? undefined : Math.min(minutes * 60_000, MAX_RETRY_AFTER_MS);
}
