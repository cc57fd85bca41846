import { createHash, timingSafeEqual } from 'node:crypto';

/** What the Authorization header says; `key` only for Basic. */
export type HeaderAuth = { scheme: 'basic'; key: string } | { scheme: 'bearer' } | { scheme: 'none' };

const MAX_HEADER = 2048;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Reads the Authorization header the three ways Segment accepts: Basic base64(writeKey + ":")
 * (the colon is optional), Bearer <token> with the write key in the body, or nothing with the
 * write key in the body. Malformed or foreign headers count as none, so a body key still works.
 */
export function parseAuthorization(header: string | undefined): HeaderAuth {
  if (!header || header.length > MAX_HEADER) return { scheme: 'none' };
  const space = header.indexOf(' ');
  if (space < 0) return { scheme: 'none' };
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value ? { scheme: 'bearer' } : { scheme: 'none' };
  if (scheme !== 'basic' || !BASE64.test(value)) return { scheme: 'none' };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon < 0 ? decoded : decoded.slice(0, colon);
  return key ? { scheme: 'basic', key } : { scheme: 'none' };
}

/** The key a request authenticates with: the Basic header's, else the body's `writeKey`. */
export function requestKey(header: HeaderAuth, bodyWriteKey: unknown): string | undefined {
  if (header.scheme === 'basic') return header.key;
  return typeof bodyWriteKey === 'string' && bodyWriteKey !== '' ? bodyWriteKey : undefined;
}

/**
 * Write keys → the value they select (a Source). Keys are kept only as SHA-256 digests and
 * every lookup compares against all of them with timingSafeEqual, so neither the time nor
 * the memory reveals how much of a guess was right.
 */
export class KeyTable<T> {
  readonly #entries: { digest: Buffer; value: T }[] = [];

  add(key: string, value: T): void {
    this.#entries.push({ digest: digest(key), value });
  }

  get size(): number {
    return this.#entries.length;
  }

  lookup(key: string): T | undefined {
    const d = digest(key);
    let found: T | undefined;
    for (const e of this.#entries) {
      if (timingSafeEqual(d, e.digest) && found === undefined) found = e.value;
    }
    return found;
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
