import { classifyHttpStatus } from '../../classify.ts';
import type { HttpResponse } from '../../http.ts';
import type { DeliveryErrorKind } from '../../types.ts';
import type { Verdict } from '../../batching/index.ts';

/**
 * The error strings an incoming webhook answers with (Slack, "Handling errors" for
 * incoming webhooks) and what each asks for. Channel problems need someone to act, so
 * retrying is pointless; a webhook that no longer exists means the credential is wrong.
 */
const ERRORS: Record<string, DeliveryErrorKind> = {
  invalid_payload: 'payload',
  no_text: 'payload',
  user_not_found: 'payload',
  too_many_attachments: 'payload',
  action_prohibited: 'auth',
  invalid_token: 'auth',
  no_service: 'auth',
  no_service_id: 'auth',
  no_team: 'auth',
  team_disabled: 'auth',
  channel_not_found: 'permanent',
  channel_is_archived: 'permanent',
  posting_to_general_channel_denied: 'permanent',
  rollup_error: 'retryable',
};

/** The error string of a Slack answer: the plain-text body, when it is one of the known codes. */
export function slackError(body: string): string | undefined {
  const word = body.trim();
  return Object.hasOwn(ERRORS, word) ? word : undefined;
}

/**
 * 200 "ok" is delivered. Otherwise the error string decides when Slack gave a known one
 * (a 404 no_service is a bad URL, not a missing page), else the status: 429 waits for
 * Retry-After, 5xx retry.
 */
export function classifySlackResponse(res: HttpResponse, now = Date.now()): Verdict {
  const byStatus = classifyHttpStatus(res.status, res.headers, now);
  if (byStatus.ok) return { ok: true };
  const code = slackError(res.body);
  const kind = code === undefined ? byStatus.kind : ERRORS[code]!;
  return {
    ok: false,
    kind,
    ...(code === undefined ? {} : { code, reason: code }),
    ...(kind === 'retryable' && byStatus.retryAfterMs !== undefined ? { retryAfterMs: byStatus.retryAfterMs } : {}),
  };
}
