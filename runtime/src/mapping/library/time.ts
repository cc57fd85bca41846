import { describeValue, NoValue, type LibraryFunction } from './args.ts';

export const TIME_FUNCTIONS: LibraryFunction[] = [
  {
    name: 'unixSeconds',
    overloads: [['unixSeconds(dyn): int', (v: unknown) => BigInt(Math.floor(toMillis('unixSeconds', v) / 1000))]],
    usage: 'unixSeconds(t)',
    description: 'Seconds since 1970-01-01 UTC. t is an ISO 8601 time, a CEL timestamp, or a number of seconds or milliseconds.',
    example: 'unixSeconds(timestamp)',
  },
  {
    name: 'unixMillis',
    overloads: [['unixMillis(dyn): int', (v: unknown) => BigInt(Math.floor(toMillis('unixMillis', v)))]],
    usage: 'unixMillis(t)',
    description: 'Milliseconds since 1970-01-01 UTC; accepts the same inputs as unixSeconds.',
    example: 'unixMillis(timestamp)',
  },
  {
    name: 'iso8601',
    overloads: [['iso8601(dyn): string', (v: unknown) => new Date(toMillis('iso8601', v)).toISOString()]],
    usage: 'iso8601(t)',
    description: 'The time as ISO 8601 UTC with milliseconds (2024-05-01T10:00:00.000Z); accepts the same inputs as unixSeconds.',
    example: 'iso8601(properties.shipped_at)',
  },
];

/**
 * Numbers below this are seconds, above it milliseconds: 1e11 seconds is the year 5138,
 * 1e11 milliseconds is March 1973, so no time an event carries falls on the wrong side.
 */
export const MILLIS_THRESHOLD = 1e11;
const MAX_MILLIS = 8.64e15;

/** ISO 8601 date or date-time; a time without a zone is read as UTC, never as the server's zone. */
const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
const NUMERIC = /^[+-]?\d+(?:\.\d+)?$/;

export function toMillis(fn: string, v: unknown): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = fromEpochNumber(v);
  else if (typeof v === 'bigint') ms = fromEpochNumber(Number(v));
  else if (typeof v === 'string') ms = parseTimeText(fn, v.trim());
  else throw new NoValue(fn, v === null || v === undefined ? 'the value is null' : `expected a time, got ${describeValue(v)}`);
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_MILLIS) throw new NoValue(fn, `not a time: ${describeValue(v)} out of range`);
  return ms;
}

function fromEpochNumber(n: number): number {
  return Math.abs(n) >= MILLIS_THRESHOLD ? n : n * 1000;
}

function parseTimeText(fn: string, s: string): number {
  // The form events carry (2024-05-01T10:00:00.000Z) goes straight to Date.parse.
  if (s.length >= 20 && s.length <= 30 && s.charCodeAt(s.length - 1) === 90 /* Z */ && s.charCodeAt(10) === 84 /* T */) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return ms;
  }
  if (NUMERIC.test(s)) return fromEpochNumber(Number(s));
  const m = ISO.exec(s);
  if (!m) throw new NoValue(fn, `not an ISO 8601 time: "${s.length > 40 ? `${s.slice(0, 40)}…` : s}"`);
  const [, date, time, zone] = m;
  const iso = time === undefined ? `${date}T00:00:00Z` : `${date}T${withSeconds(time.replace(',', '.'))}${normaliseZone(zone)}`;
  const ms = Date.parse(trimFraction(iso));
  if (Number.isNaN(ms)) throw new NoValue(fn, `not a valid time: "${s}"`);
  return ms;
}

function withSeconds(time: string): string {
  return time.length === 5 ? `${time}:00` : time;
}

/** Z, or ±hh:mm as Date.parse wants it. */
function normaliseZone(zone: string | undefined): string {
  if (zone === undefined || zone === 'z' || zone === 'Z') return 'Z';
  if (zone.length === 3) return `${zone}:00`;
  return zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
}

/** Date.parse takes at most milliseconds; finer fractions are cut, not rounded. */
function trimFraction(iso: string): string {
  return iso.replace(/(\.\d{3})\d+/, '$1');
}
