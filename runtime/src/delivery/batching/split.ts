import { asDeliveryError, type HttpClient, type HttpResponse } from '../http.ts';
import { EXCERPT_LIMIT, describeUrl, redact } from '../redact.ts';
import { DeliveryError, type DeliveryErrorKind, type HttpRequestSpec, type SendResult } from '../types.ts';

/*
 * Sending batches to APIs that accept or reject a request as a whole (Meta's Conversions
 * API, TikTok's Events API: one invalid event fails every event in the request), halving
 * rejected requests to isolate the bad events (meta-capi, tiktok, slack).
 */

/** What an API's answer means for the events its request carried. */
export type Verdict =
  | { ok: true }
  | {
      ok: false;
      kind: DeliveryErrorKind;
      retryAfterMs?: number;
      /** What the API said, in words fit for status: "Invalid parameter (code 100)". */
      reason?: string;
      /** The API's own error code, when it has one (reported instead of a 200 status). */
      code?: string;
    };

/** How one destination type makes a request for some events of a batch and reads the answer. */
export interface BatchProtocol {
  /** The request carrying these positions of the batch, in order. */
  request(positions: readonly number[]): HttpRequestSpec;
  classify(res: HttpResponse): Verdict;
}

/**
 * Extra requests a batch may spend isolating the events an API rejected: one bad event
 * among 1,000 takes about 20; a rejection that is not about any one event (a wrong pixel
 * id) stops costing requests here and dead-letters the rest.
 */
export const SPLIT_BUDGET = 32;

/** Whether a rejected request is worth halving: a payload rejection of several events, budget left. */
export function shouldSplit(result: SendResult, events: number, budget: number): boolean {
  return !result.ok && result.error.kind === 'payload' && events > 1 && budget >= 2;
}

/**
 * Sends each group of positions as one request (all at once; the HTTP agent bounds the
 * sockets). A group rejected as an invalid payload is halved and resent until the
 * offending events stand alone, so the valid ones are delivered and only the invalid ones
 * dead-lettered. `preset` holds results decided before sending (events rejected locally).
 */
export async function sendSplitting(opts: {
  client: HttpClient;
  protocol: BatchProtocol;
  groups: readonly (readonly number[])[];
  size: number;
  signal: AbortSignal;
  secrets: readonly string[];
  preset?: ReadonlyMap<number, SendResult>;
  splitBudget?: number;
}): Promise<SendResult[]> {
  const { client, protocol, signal, secrets } = opts;
  const results = new Array<SendResult>(opts.size);
  for (const [i, r] of opts.preset ?? []) results[i] = r;
  let budget = opts.splitBudget ?? SPLIT_BUDGET;

  const run = async (positions: readonly number[]): Promise<void> => {
    let result: SendResult;
    try {
      const spec = protocol.request(positions);
      result = resultOf(spec, await client.request(spec, signal), protocol.classify.bind(protocol), secrets);
    } catch (err) {
      result = { ok: false, error: asDeliveryError(err, secrets) };
    }
    if (shouldSplit(result, positions.length, budget) && !signal.aborted) {
      budget -= 2;
      const mid = Math.ceil(positions.length / 2);
      await Promise.all([run(positions.slice(0, mid)), run(positions.slice(mid))]);
      return;
    }
    for (const i of positions) results[i] = result;
  };
  await Promise.all(opts.groups.filter((g) => g.length > 0).map(run));

  for (let i = 0; i < opts.size; i++) {
    results[i] ??= { ok: false, error: new DeliveryError('building requests: the event was not carried by any request', { kind: 'permanent', code: 'unsent' }) };
  }
  return results;
}

/** The outcome of one answer: the verdict as a DeliveryError with the API's words, secrets masked. */
export function resultOf(spec: HttpRequestSpec, res: HttpResponse, classify: (res: HttpResponse) => Verdict, secrets: readonly string[]): SendResult {
  const v = classify(res);
  if (v.ok) return { ok: true };
  const excerpt = redact(res.body, secrets, EXCERPT_LIMIT);
  const said = v.reason ?? excerpt;
  // Redacted whole: some APIs carry the credential in the path (Slack's webhook URL).
  const message = redact(`sending ${spec.method} ${describeUrl(spec.url)}: answered ${res.status}${said ? `: ${redact(said, secrets, 300)}` : ''}`, secrets, 2000);
  const failedStatus = res.status < 200 || res.status >= 300;
  return {
    ok: false,
    error: new DeliveryError(message, {
      kind: v.kind,
      ...(failedStatus ? { status: res.status } : {}),
      ...(v.retryAfterMs === undefined ? {} : { retryAfterMs: v.retryAfterMs }),
      ...(excerpt ? { bodyExcerpt: excerpt } : {}),
      ...(v.code === undefined ? {} : { code: v.code }),
    }),
  };
}

/** Consecutive runs of at most `max` positions, skipping those already decided. */
export function chunkPositions(size: number, max: number, skip: ReadonlySet<number> = new Set()): number[][] {
  const groups: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < size; i++) {
    if (skip.has(i)) continue;
    cur.push(i);
    if (cur.length >= max) {
      groups.push(cur);
      cur = [];
    }
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}
