import type { HttpResponse } from '../http.ts';
import { describeUrl, redact } from '../redact.ts';
import { DeliveryError, type DeliveryErrorKind, type HttpRequestSpec } from '../types.ts';

/* Reading vendors' answers: errors with the (masked) body, JSON bodies, lists of rejected indices. */

/** The error for events an answer rejected or deferred, with the answer's (masked) body. */
export function answerError(
  spec: HttpRequestSpec,
  res: HttpResponse,
  secrets: readonly string[],
  opts: { kind: DeliveryErrorKind; detail: string; retryAfterMs?: number | undefined },
): DeliveryError {
  const excerpt = redact(res.body, secrets);
  return new DeliveryError(redact(`sending ${spec.method} ${describeUrl(spec.url)}: answered ${res.status}: ${opts.detail}`, secrets, 2000), {
    kind: opts.kind,
    status: res.status,
    bodyExcerpt: excerpt,
    ...(opts.retryAfterMs === undefined ? {} : { retryAfterMs: opts.retryAfterMs }),
  });
}

/** The answer's body as a JSON object, or undefined when it is not one (or was cut short). */
export function jsonObject(body: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Non-negative integers of the JSON array that follows `"key":` in `body`, read with a
 * pattern rather than a parser: answers are kept only up to a bounded length, so the list
 * of rejected events of a large batch may be cut short, and the indices before the cut
 * still count. A number cut in half at the end is left out.
 */
export function indicesAfter(body: string, key: string, from = 0): number[] {
  const at = body.indexOf(`"${key}"`, from);
  if (at < 0) return [];
  const m = /^\s*:\s*\[([0-9,\s]*)/.exec(body.slice(at + key.length + 2));
  if (!m) return [];
  const out: number[] = [];
  for (const n of m[1]!.matchAll(/([0-9]+)\s*(?=,)/g)) out.push(Number(n[1]));
  const rest = m[0].length + at + key.length + 2 < body.length;
  const last = /([0-9]+)\s*$/.exec(m[1]!);
  if (last && rest) out.push(Number(last[1]));
  return out;
}

/** Positions, in the request, of the events whose index is listed (indices outside the request ignored). */
export function listedPositions(indices: Iterable<number>, count: number): Set<number> {
  const out = new Set<number>();
  for (const i of indices) if (Number.isInteger(i) && i >= 0 && i < count) out.add(i);
  return out;
}
