// Date.parse accepts far too much ("1" is the year 2001); clients send ISO-8601, sometimes
// with unpadded fields (Segment's own docs show "2015-2-02T00:30:08.276Z").
const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** A client time, read once: milliseconds and the ISO-8601 UTC text to store. */
export interface ClientTime {
  ms: number;
  iso: string;
}

/** Milliseconds since the epoch of an ISO-8601 date-time, or undefined when it is not one. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  return value.length === 24 ? (parseCanonical(value) ?? parseLoose(value)) : parseLoose(value);
}

/** Reads a client time, keeping the text as sent when it already is what toISOString prints. */
export function readTime(value: unknown): ClientTime | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 24) {
    const ms = parseCanonical(value);
    if (ms !== undefined) return { ms, iso: value };
  }
  const ms = parseLoose(value);
  return ms === undefined ? undefined : { ms, iso: formatIso(ms) };
}

export interface EventTimes {
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
}

/**
 * Segment's clock-skew correction: the device clock may be wrong, but the gap between when
 * it says the event happened and when it says it sent it is right. So
 * timestamp = receivedAt − (sentAt − originalTimestamp); with only a client timestamp it is
 * taken as is (historical imports); with none, timestamp = receivedAt.
 */
export function correctTimes(receivedAt: number, receivedAtIso: string, clientTimestamp: unknown, sent: ClientTime | undefined): EventTimes {
  const original = readTime(clientTimestamp);
  if (original === undefined) return sent === undefined ? { timestamp: receivedAtIso } : { timestamp: receivedAtIso, sentAt: sent.iso };
  if (sent === undefined) return { timestamp: original.iso, originalTimestamp: original.iso };
  return { timestamp: formatIso(receivedAt - (sent.ms - original.ms)), originalTimestamp: original.iso, sentAt: sent.iso };
}

function parseLoose(value: string): number | undefined {
  if (value.length > 64) return undefined;
  const m = ISO.exec(value);
  if (!m) return undefined;
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  const year = Number(m[1]);
  let t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC reads years 0-99 as 1900-1999.
  if (year < 100) t = new Date(t).setUTCFullYear(year);
  // ...and rolls 2024-02-30 over to March.
  if (new Date(t).getUTCDate() !== day) return undefined;
  if (m[9] !== undefined) {
    const offset = Number(m[10]) * 60 + Number(m[11]);
    t -= (m[9] === '-' ? -offset : offset) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

// The hot path: SDKs send exactly "YYYY-MM-DDTHH:MM:SS.sssZ"; read it without a regex.
function parseCanonical(s: string): number | undefined {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) return undefined;
  if (s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46 || s.charCodeAt(23) !== 90) return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const ms = digits(s, 20, 3);
  if ((year | month | day | hour | minute | second | ms) < 0) return undefined;
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > 28 && day > daysInMonth(year, month)) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1_000_000;
    v = v * 10 + d;
  }
  return v;
}

const YEAR_1000 = -30_610_224_000_000;
const YEAR_10000 = 253_402_300_800_000;

/** What Date#toISOString prints, about three times faster, for years 1000–9999. */
export function formatIso(ms: number): string {
  if (!(ms >= YEAR_1000 && ms < YEAR_10000)) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rem = ms - days * 86_400_000;
  // Days → civil date (Howard Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rem / 3_600_000);
  rem -= hour * 3_600_000;
  const minute = Math.floor(rem / 60_000);
  rem -= minute * 60_000;
  const second = Math.floor(rem / 1000);
  const milli = Math.floor(rem - second * 1000);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
