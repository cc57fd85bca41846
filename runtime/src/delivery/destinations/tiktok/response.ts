import { classifyHttpStatus } from '../../classify.ts';
import type { HttpResponse } from '../../http.ts';
import type { DeliveryErrorKind } from '../../types.ts';
import { jsonObject, type Verdict } from '../../batching/index.ts';

/** Rate limiting: "requests made too frequently". */
const RATE_LIMITED = 40100;
/** No permission to act for this pixel or advertiser. */
const NO_PERMISSION = 40001;

/**
 * What a TikTok for Business return code asks for. 0 is success; 401xx (other than the
 * rate limit) are access-token problems; 5xxxx are TikTok's own failures; any other
 * 4xxxx (40002 parameter error, …) is a request TikTok will not accept as sent.
 */
export function kindOfTikTokCode(code: number): DeliveryErrorKind | undefined {
  if (code === 0) return undefined;
  if (code === RATE_LIMITED) return 'retryable';
  if (code === NO_PERMISSION || (code > 40100 && code < 40200)) return 'auth';
  if (code >= 50000 && code < 60000) return 'retryable';
  if (code >= 40000 && code < 50000) return 'payload';
  return 'permanent';
}

/**
 * TikTok answers HTTP 200 for accepted and refused requests alike; the body's `code`
 * decides (0 accepted). A non-2xx status (a gateway's 429 or 5xx) is read as usual. A 2xx
 * without the API's JSON is retried: accepting it unread could lose the events.
 */
export function classifyTikTokResponse(res: HttpResponse, now = Date.now()): Verdict {
  const byStatus = classifyHttpStatus(res.status, res.headers, now);
  const body = jsonObject(res.body);
  const code = typeof body?.['code'] === 'number' ? body['code'] : undefined;
  const message = typeof body?.['message'] === 'string' && body['message'] !== '' ? body['message'] : undefined;
  if (!byStatus.ok) {
    const v: Verdict = { ok: false, kind: byStatus.kind, ...(byStatus.retryAfterMs === undefined ? {} : { retryAfterMs: byStatus.retryAfterMs }) };
    if (message !== undefined) v.reason = code === undefined ? message : `${message} (code ${code})`;
    return v;
  }
  if (code === undefined) return { ok: false, kind: 'retryable', reason: 'the answer is not the Events API\'s JSON (no "code")', code: 'no_code' };
  const kind = kindOfTikTokCode(code);
  if (kind === undefined) return { ok: true };
  return { ok: false, kind, reason: `${message ?? 'refused'} (code ${code})`, code: String(code) };
}
