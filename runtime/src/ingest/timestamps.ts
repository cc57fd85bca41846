// Date.parse accepts far too much ("1" is the year 2001); clients send ISO-8601, sometimes
// with unpadded fields (Segment's own docs show "2015-2-02T00:30:08.276Z").
const ISO =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/** Milliseconds since the epoch of an ISO-8601 date-time, or undefined when it is not one. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
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
  if (m[9] !== undefined) {
    const offset = Number(m[10]) * 60 + Number(m[11]);
    t -= (m[9] === '-' ? -offset : offset) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
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
export function correctTimes(receivedAt: number, clientTimestamp: unknown, clientSentAt: unknown): EventTimes {
  const original = parseTime(clientTimestamp);
  const sent = parseTime(clientSentAt);
  if (original === undefined) {
    return sent === undefined ? { timestamp: iso(receivedAt) } : { timestamp: iso(receivedAt), sentAt: iso(sent) };
  }
  const originalTimestamp = iso(original);
  if (sent === undefined) return { timestamp: originalTimestamp, originalTimestamp };
  return { timestamp: iso(receivedAt - (sent - original)), originalTimestamp, sentAt: iso(sent) };
}

// Four-digit years keep every correction within what Date can print.
function iso(ms: number): string {
  return new Date(ms).toISOString();
}
