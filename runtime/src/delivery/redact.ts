export const EXCERPT_LIMIT = 512;
export const MASK = '***';

/** Secrets shorter than this are not masked: masking "a" would shred every message. */
const MIN_SECRET_LENGTH = 4;

/**
 * Removes every credential value from text that may reach logs, status or the dead-letter
 * stream (error messages, response bodies that echo a token), then bounds its length.
 */
export function redact(text: string, secrets: readonly string[], limit = EXCERPT_LIMIT): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.replaceAll(s, MASK);
  }
  return clip(out, limit);
}

export function clip(text: string, limit: number): string {
  if (text.length <= limit) return text;
  return `${text.slice(0, Math.max(0, limit - 1))}…`;
}

/** A URL fit for messages: no credentials, no query string (tokens often live there). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
