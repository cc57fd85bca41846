/**
 * Masks values that look personal or secret in text bound for the operator (status,
 * Events): e-mail addresses, phone numbers in E.164 form, bearer and basic credentials,
 * JWTs, and `token=…`-style pairs. Violation messages are written without payload values
 * and destinations redact their own credentials, so this is the second line: a response
 * body excerpt in a delivery error can still echo a customer's e-mail back.
 */
const RULES: readonly (readonly [RegExp, string])[] = [
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[redacted]'],
  [
    /\b((?:api[_-]?key|api[_-]?secret|client[_-]?secret|access[_-]?token|refresh[_-]?token|write[_-]?key|token|secret|password|passwd|authorization)["']?\s*[:=]\s*["']?)(?!bearer\s|basic\s|\[)[^\s"'&,;}]+/gi,
    '$1[redacted]',
  ],
  // The lookbehind starts a match only where a run of address characters starts: linear time.
  [/(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, '[email]'],
  [/(?<![\w+])\+[1-9]\d{7,14}\b/g, '[phone]'],
];

export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, mask] of RULES) out = out.replace(pattern, mask);
  return out;
}

/** Cuts to `max` characters (an ellipsis marks the cut), never splitting a surrogate pair. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - 1);
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}

/** Longer than any e-mail address (254) or token the patterns look for. */
const LONGEST_MATCH = 256;

/**
 * Scrubs and cuts to `max`. Very long input is cut before scrubbing (bounded work), and the
 * cut also drops up to LONGEST_MATCH characters of the word it fell in, so an address cut in
 * half cannot slip past the patterns.
 */
export function cleanText(text: string, max: number): string {
  const limit = Math.max(2 * LONGEST_MATCH, max * 4);
  const pre = text.length > limit ? `${text.slice(0, limit).replace(/\S{0,256}$/, '')}…` : text;
  return cutText(scrubText(pre), max);
}
