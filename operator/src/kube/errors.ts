/** The `Status` object the API server returns with every failure. */
export interface ApiStatus {
  kind?: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/**
 * A failed call to the API server. `status` is the HTTP status code, or 0 when no answer
 * came back (connection refused, reset, timed out). `reason` is the Status reason
 * (NotFound, Conflict, AlreadyExists, Expired, Gone, Invalid, …) when the server gave one.
 */
export class KubeApiError extends Error {
  override name = 'KubeApiError';
  readonly status: number;
  readonly reason: string;
  readonly body: ApiStatus | undefined;

  constructor(message: string, status: number, reason: string, opts: { body?: ApiStatus; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.status = status;
    this.reason = reason;
    this.body = opts.body;
  }
}

const hasStatus = (err: unknown, code: number): boolean => err instanceof KubeApiError && err.status === code;

export const isNotFound = (err: unknown): boolean => hasStatus(err, 404);
export const isConflict = (err: unknown): boolean => hasStatus(err, 409);
export const isAlreadyExists = (err: unknown): boolean => err instanceof KubeApiError && err.status === 409 && err.reason === 'AlreadyExists';
/** 410: the resourceVersion a watch asked for is older than the server keeps; relist. */
export const isGone = (err: unknown): boolean => hasStatus(err, 410) || (err instanceof KubeApiError && err.reason === 'Expired');
export const isInvalid = (err: unknown): boolean => hasStatus(err, 422);
/** Worth retrying as is: no answer, throttled, timeout, or a server-side failure. */
export const isTransient = (err: unknown): boolean =>
  err instanceof KubeApiError && (err.status === 0 || err.status === 429 || err.status === 408 || err.status >= 500);
