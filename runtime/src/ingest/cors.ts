import type { OutgoingHttpHeaders } from 'node:http';

export const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Content-Encoding, X-Retry-Count';
export const CORS_ALLOW_METHODS = 'POST, GET, OPTIONS';
/** Chromium caps preflight caching at two hours; asking for more buys nothing. */
export const CORS_MAX_AGE = '7200';

/**
 * The origins browsers may send from. Entries are exact origins ("https://shop.example.com"),
 * a subdomain wildcard ("https://*.example.com") or "*" for any.
 */
export class OriginPolicy {
  readonly #any: boolean;
  readonly #exact: Set<string>;
  /** [scheme + "://", ".example.com" + optional ":port"] pairs. */
  readonly #suffixes: [string, string][];

  constructor(origins: readonly string[]) {
    this.#any = origins.includes('*');
    this.#exact = new Set();
    this.#suffixes = [];
    for (const raw of origins) {
      const o = raw.trim().toLowerCase().replace(/\/+$/, '');
      const wild = /^([a-z][a-z0-9+.-]*:\/\/)\*(\..+)$/.exec(o);
      if (wild) this.#suffixes.push([wild[1]!, wild[2]!]);
      else if (o !== '*') this.#exact.add(o);
    }
  }

  get isEmpty(): boolean {
    return !this.#any && this.#exact.size === 0 && this.#suffixes.length === 0;
  }

  allows(origin: string): boolean {
    if (this.#any) return true;
    const o = origin.toLowerCase();
    if (this.#exact.has(o)) return true;
    for (const [scheme, suffix] of this.#suffixes) {
      if (o.startsWith(scheme) && o.endsWith(suffix) && o.length > scheme.length + suffix.length) return true;
    }
    return false;
  }

  /** A policy allowing what any of `policies` allows: preflights carry no write key. */
  static union(lists: readonly (readonly string[])[]): OriginPolicy {
    return new OriginPolicy(lists.flat());
  }
}

/**
 * Headers that let the browser read a response to `origin`. The origin is echoed rather than
 * answered with "*", which stays valid should a page send credentials.
 */
export function corsHeaders(origin: string | undefined, policy: OriginPolicy): OutgoingHttpHeaders {
  if (origin === undefined || !policy.allows(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

export function preflightHeaders(origin: string): OutgoingHttpHeaders {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': CORS_ALLOW_METHODS,
    'access-control-allow-headers': CORS_ALLOW_HEADERS,
    'access-control-max-age': CORS_MAX_AGE,
    vary: 'Origin',
  };
}
