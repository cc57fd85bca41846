/**
 * Every code the ingest answers with or counts, in one place. Request codes end the whole
 * request with their HTTP status and the body `{success:false, code, message}`. Event codes
 * (Segment's reason codes where Segment has one) mark a single malformed event: with
 * `onInvalid: accept` the event is dropped and counted under its code while the rest of the
 * request proceeds and the answer is 200; with `onInvalid: reject` the whole request is
 * refused with 400 `invalid_events`, listing every bad event, and nothing from it is stored
 * (the client fixes and resends it whole — no half-stored batches).
 *
 * Normalisation rules that never drop an event: a `timestamp` or `sentAt` that is not an
 * ISO-8601 date is ignored (timestamp falls back to receivedAt); an absent or empty
 * messageId is assigned; `context.ip` comes from the first X-Forwarded-For hop, else the
 * peer address (clients may set `context.ip` themselves, so trusting the header grants
 * nothing new); the `writeKey` field is removed because it is a secret.
 */
export const REQUEST_CODES = {
  invalid_json: { status: 400, meaning: 'The body is not valid JSON.' },
  body_not_object: { status: 400, meaning: 'The body is JSON but not an object.' },
  too_deep: { status: 400, meaning: 'The JSON nests objects and arrays deeper than 64 levels.' },
  request_too_large: {
    status: 400,
    meaning: 'The body, after decompression, exceeds maxBatchBytes (batch endpoints) or maxEventBytes (single-event endpoints).',
  },
  too_many_events: { status: 400, meaning: 'The batch holds more than maxBatchEvents events.' },
  empty_batch: { status: 400, meaning: 'The batch array is missing or empty.' },
  invalid_batch: { status: 400, meaning: '`batch` is not an array, or the top-level `context` or `integrations` of a batch is not an object.' },
  bad_encoding: { status: 400, meaning: 'The body could not be decompressed as its Content-Encoding says.' },
  unsupported_encoding: { status: 415, meaning: 'Content-Encoding is not gzip, deflate or identity.' },
  no_write_key: { status: 401, meaning: 'No write key in the Authorization header or the body.' },
  invalid_write_key: { status: 401, meaning: 'The write key matches no Source.' },
  origin_not_allowed: { status: 403, meaning: 'The Origin header is not in the Source\'s cors.allowedOrigins.' },
  not_found: { status: 404, meaning: 'No such endpoint, or (settings) no Source has this write key.' },
  method_not_allowed: { status: 405, meaning: 'The endpoint does not take this HTTP method.' },
  rate_limited: { status: 429, meaning: 'The Source\'s requestsPerSecond is exceeded; retry after Retry-After seconds.' },
  invalid_events: { status: 400, meaning: 'onInvalid: reject and at least one event is malformed or blocked; nothing was stored.' },
  bus_unavailable: { status: 503, meaning: 'The events could not be stored durably; nothing is acknowledged, retry after Retry-After seconds.' },
  internal: { status: 500, meaning: 'An unexpected failure; the events were not acknowledged.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type RequestCode = keyof typeof REQUEST_CODES;

export const EVENT_CODES = {
  event_not_object: 'A batch item is not a JSON object.',
  invalid_type: 'A batch item\'s `type` is missing or not one of track, identify, page, screen, group, alias.',
  no_user_anon_id: 'Neither a userId nor an anonymousId (non-empty strings).',
  id_not_string: 'userId, anonymousId, groupId or previousId is present but not a string.',
  event_not_defined: 'A track event without an `event` name.',
  event_not_string: 'A track event whose `event` is not a string.',
  properties_not_object: '`properties` is present but not an object.',
  traits_not_object: '`traits` is present but not an object.',
  context_not_object: '`context` is present but not an object.',
  integrations_not_object: '`integrations` is present but not an object.',
  group_id_missing: 'A group event without a groupId.',
  previous_id_missing: 'An alias event without a previousId.',
  user_id_missing: 'An alias event without a userId.',
  message_id_invalid: 'messageId is not a string or is longer than 100 characters (it is the de-duplication key).',
  event_too_large: 'The event is larger than maxEventBytes as sent.',
} as const satisfies Record<string, string>;

export type EventCode = keyof typeof EVENT_CODES;

/** The one error type of the ingest: carries the catalogue code, hence the HTTP status. */
export class IngestError extends Error {
  readonly code: RequestCode;
  readonly status: number;
  /** Seconds, for 429 and 503. */
  readonly retryAfter: number | undefined;

  constructor(code: RequestCode, message: string, opts: { cause?: unknown; retryAfter?: number } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IngestError';
    this.code = code;
    this.status = REQUEST_CODES[code].status;
    this.retryAfter = opts.retryAfter;
  }
}

/** One bad event in a 400 `invalid_events` answer. */
export interface EventProblem {
  index: number;
  event: string | undefined;
  messageId: string | undefined;
  field: string;
  /** An event code, or the tracking-plan violation kind. */
  kind: string;
  message: string;
}
