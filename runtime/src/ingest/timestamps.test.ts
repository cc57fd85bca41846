import { describe, expect, it } from 'vitest';
import { correctTimes, formatIso, parseTime, readTime } from './timestamps.ts';

const RECEIVED = Date.parse('2024-05-01T12:00:10.000Z');

describe('parseTime', () => {
  it.each([
    ['2012-12-02T00:30:08.276Z', Date.parse('2012-12-02T00:30:08.276Z')],
    ['2015-2-02T00:30:08.276Z', Date.parse('2015-02-02T00:30:08.276Z')],
    ['2012-12-02T02:30:08.276+02:00', Date.parse('2012-12-02T00:30:08.276Z')],
    ['2012-12-02T00:30:08.276-0130', Date.parse('2012-12-02T02:00:08.276Z')],
    ['2012-12-02T00:30:08', Date.parse('2012-12-02T00:30:08Z')],
    ['2012-12-02T00:30:08.123456Z', Date.parse('2012-12-02T00:30:08.123Z')],
    ['2012-12-02', Date.parse('2012-12-02T00:00:00Z')],
    ['2012-12-02 00:30:08Z', Date.parse('2012-12-02T00:30:08Z')],
  ])('reads %s', (text, expected) => {
    expect(parseTime(text)).toBe(expected);
  });

  it.each([['2024-02-30T00:00:00.000Z'], ['2024-01-01T00:00:00.00xZ'], ['2024-01-01T0a:00:00.000Z'], ['1'], ['2024'], ['garbage'], ['2012-13-01T00:00:00Z'], ['2012-12-02T25:00:00Z'], [''], [12345], [null], [undefined], ['x'.repeat(100)]])(
    'refuses %j',
    (value) => {
      expect(parseTime(value)).toBeUndefined();
    },
  );
});

describe('correctTimes', () => {
  it.each([
    {
      name: 'device clock 1h fast: the gap between timestamp and sentAt is kept',
      timestamp: '2024-05-01T13:00:05.000Z',
      sentAt: '2024-05-01T13:00:08.000Z',
      want: { timestamp: '2024-05-01T12:00:07.000Z', originalTimestamp: '2024-05-01T13:00:05.000Z', sentAt: '2024-05-01T13:00:08.000Z' },
    },
    {
      name: 'device clock right',
      timestamp: '2024-05-01T12:00:09.500Z',
      sentAt: '2024-05-01T12:00:10.000Z',
      want: { timestamp: '2024-05-01T12:00:09.500Z', originalTimestamp: '2024-05-01T12:00:09.500Z', sentAt: '2024-05-01T12:00:10.000Z' },
    },
    {
      name: 'offsets become UTC',
      timestamp: '2024-05-01T14:00:00.000+02:00',
      sentAt: '2024-05-01T14:00:10.000+02:00',
      want: { timestamp: '2024-05-01T12:00:00.000Z', originalTimestamp: '2024-05-01T12:00:00.000Z', sentAt: '2024-05-01T12:00:10.000Z' },
    },
    {
      name: 'only a timestamp (historical import): kept as is',
      timestamp: '2012-12-02T00:30:08.276Z',
      sentAt: undefined,
      want: { timestamp: '2012-12-02T00:30:08.276Z', originalTimestamp: '2012-12-02T00:30:08.276Z' },
    },
    { name: 'only sentAt: receivedAt', timestamp: undefined, sentAt: '2024-05-01T13:00:08.000Z', want: { timestamp: '2024-05-01T12:00:10.000Z', sentAt: '2024-05-01T13:00:08.000Z' } },
    { name: 'neither: receivedAt', timestamp: undefined, sentAt: undefined, want: { timestamp: '2024-05-01T12:00:10.000Z' } },
    { name: 'unreadable timestamp: receivedAt', timestamp: 'yesterday', sentAt: '2024-05-01T13:00:08.000Z', want: { timestamp: '2024-05-01T12:00:10.000Z', sentAt: '2024-05-01T13:00:08.000Z' } },
  ])('$name', ({ timestamp, sentAt, want }) => {
    expect(correctTimes(RECEIVED, new Date(RECEIVED).toISOString(), timestamp, readTime(sentAt))).toEqual(want);
  });

  it('prints even absurd corrections instead of throwing', () => {
    const out = correctTimes(RECEIVED, '', '0001-01-01T00:00:00Z', readTime('9999-12-31T23:59:59Z'));
    expect(out.originalTimestamp).toBe('0001-01-01T00:00:00.000Z');
    expect(out.timestamp).toMatch(/^-00\d{4}-/);
  });
});

describe('readTime', () => {
  it('keeps canonical text as sent and prints the rest canonically', () => {
    expect(readTime('2024-05-01T12:00:00.123Z')).toEqual({ ms: Date.parse('2024-05-01T12:00:00.123Z'), iso: '2024-05-01T12:00:00.123Z' });
    expect(readTime('2024-05-01T14:00:00+02:00')).toEqual({ ms: Date.parse('2024-05-01T12:00:00Z'), iso: '2024-05-01T12:00:00.000Z' });
    expect(readTime('2024-02-29T23:59:59.999Z')?.iso).toBe('2024-02-29T23:59:59.999Z');
    expect(readTime('2023-02-29T00:00:00.000Z')).toBeUndefined();
    expect(readTime('2000-02-29T00:00:00.000Z')?.iso).toBe('2000-02-29T00:00:00.000Z');
    expect(readTime('1900-02-29T00:00:00.000Z')).toBeUndefined();
    expect(readTime('2024-04-31T00:00:00.000Z')).toBeUndefined();
    expect(readTime('2024-12-31T00:00:00.000Z')?.iso).toBe('2024-12-31T00:00:00.000Z');
    expect(readTime('nope')).toBeUndefined();
  });
});

describe('formatIso', () => {
  it('prints exactly what toISOString prints', () => {
    const samples = [0, -1, 1, 951_782_400_000, 4_107_542_399_999, -30_610_224_000_000, -30_610_224_000_001, 253_402_300_799_999, 253_402_300_800_000, -62_198_755_200_000];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(-40_000_000_000_000 + i * 150_000_007_919.3));
    for (const ms of samples) expect(formatIso(ms)).toBe(new Date(ms).toISOString());
  });
});
