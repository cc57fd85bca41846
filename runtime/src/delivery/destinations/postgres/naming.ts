import { createHash } from 'node:crypto';

/** PostgreSQL cuts identifiers at 63 bytes (NAMEDATALEN - 1). */
export const MAX_IDENTIFIER_BYTES = 63;

/** The tables every schema has, one per Segment call type (Segment's warehouse schema). */
export const STANDARD_TABLES = ['tracks', 'identifies', 'pages', 'screens', 'groups', 'aliases', 'users'] as const;
const STANDARD_TABLE_SET: ReadonlySet<string> = new Set(STANDARD_TABLES);

/** Six hex digits of the name's SHA-256: what keeps two different names apart after shortening. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 6);
}

/**
 * Segment's warehouse spelling: words split at case changes and punctuation, lower-cased,
 * joined by "_" ("Order Completed" and "orderCompleted" → order_completed). Only ASCII
 * letters, digits and "_" remain; a name that loses other letters (é, 注) carries a hash
 * of the original so distinct names stay distinct. Undefined when nothing is left.
 */
export function snakeCase(name: string): string | undefined {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  // eslint-disable-next-line no-control-regex -- the test is "outside ASCII"
  const lossy = /[^\u0000-\u007f]/.test(name);
  if (words === '') return lossy ? `_${shortHash(name)}` : undefined;
  const base = /^[0-9]/.test(words) ? `_${words}` : words;
  return lossy ? `${base}_${shortHash(name)}` : base;
}

/** `name` cut to fit 63 bytes, with a hash of the whole (`seed`) when anything was cut. */
export function fitIdentifier(name: string, seed = name): string {
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  const suffix = `_${shortHash(seed)}`;
  return `${name.slice(0, MAX_IDENTIFIER_BYTES - suffix.length).replace(/_+$/, '')}${suffix}`;
}

/**
 * The table of a track event: its snake-cased name, unless that is empty or one of the
 * standard tables (an event called "Pages" must not land in `pages`), which adds a hash.
 */
export function eventTableName(event: string): string {
  const snake = snakeCase(event);
  if (snake === undefined) return `event_${shortHash(event)}`;
  if (STANDARD_TABLE_SET.has(snake)) return `${snake}_${shortHash(event)}`;
  return fitIdentifier(snake, event);
}

/** A column for a flattened field path (context.page.url → context_page_url). */
export function columnName(path: readonly string[]): string {
  const parts = path.map((p) => snakeCase(p) ?? `_${shortHash(p)}`);
  return fitIdentifier(parts.join('_'), path.join('\u0000'));
}

/** A quoted SQL identifier. Every name Sluice writes into SQL goes through here. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
