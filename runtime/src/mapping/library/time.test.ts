import { describe, expect, it } from 'vitest';
import { event, NONE, reasonOf, valueOf } from '../testing.ts';

const e = event({
  timestamp: '2024-05-01T10:00:00.000Z',
  properties: { seconds: 1714557600, millis: 1714557600123, text: '1714557600', bad: 'yesterday', nothing: null, local: '2024-05-01T10:00:00' },
});

describe('time functions', () => {
  it.each<[string, unknown]>([
    ['unixSeconds(timestamp)', 1714557600],
    ['unixMillis(timestamp)', 1714557600000],
    ['iso8601(timestamp)', '2024-05-01T10:00:00.000Z'],
    ['unixSeconds("2024-05-01T12:00:00+02:00")', 1714557600],
    ['unixSeconds("2024-05-01T12:00:00+0200")', 1714557600],
    ['unixSeconds("2024-05-01T11:00:00+01")', 1714557600],
    ['unixSeconds("2024-05-01 10:00:00Z")', 1714557600],
    ['unixSeconds("2024-05-01T10:00Z")', 1714557600],
    ['unixMillis("2024-05-01T10:00:00.123456789Z")', 1714557600123],
    ['unixSeconds("2024-05-01")', 1714521600],
    // Without a zone: UTC, whatever zone the server runs in.
    ['unixSeconds(properties.local)', 1714557600],
    // Numbers: seconds below 1e11, milliseconds above.
    ['unixMillis(properties.seconds)', 1714557600000],
    ['unixSeconds(properties.millis)', 1714557600],
    ['unixMillis(properties.millis)', 1714557600123],
    ['unixSeconds(properties.text)', 1714557600],
    ['unixSeconds(1714557600)', 1714557600],
    ['iso8601(properties.millis)', '2024-05-01T10:00:00.123Z'],
    ['iso8601(timestamp(timestamp))', '2024-05-01T10:00:00.000Z'],
    ['unixSeconds(timestamp("2024-05-01T10:00:00Z"))', 1714557600],
    ['unixSeconds(-1)', -1],
    ['unixSeconds(properties.bad)', NONE],
    ['unixSeconds("2024-13-45T10:00:00Z")', NONE],
    ['unixSeconds(properties.nothing)', NONE],
    ['unixSeconds(properties.missing)', NONE],
    ['unixSeconds(originalTimestamp)', NONE],
    ['unixSeconds(true)', NONE],
    ['iso8601(1e300)', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });

  it('explains what is wrong', () => {
    expect(reasonOf('unixSeconds(properties.bad)', e)).toBe('unixSeconds: not an ISO 8601 time: "yesterday"');
    expect(reasonOf('unixSeconds(originalTimestamp)', e)).toBe('unixSeconds: the value is null');
  });
});
