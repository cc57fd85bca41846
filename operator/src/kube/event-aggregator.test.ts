import { describe, expect, it } from 'vitest';
import { EventAggregator } from './event-aggregator.ts';
import { MAX_NOTE_BYTES, truncateNote } from './events.ts';
import { microTime } from './time.ts';

describe('EventAggregator', () => {
  it('creates once, then folds repeats into the series with throttled writes', () => {
    const a = new EventAggregator({ flushMs: 30_000, windowMs: 360_000 });
    expect(a.observe('uid', 'e', 0)).toEqual({ kind: 'create' });
    a.created('uid', 'e', 'web.abc');
    expect(a.observe('uid', 'e', 1_000)).toEqual({ kind: 'series', count: 2, writeInMs: 29_000 });
    expect(a.observe('uid', 'e', 2_000)).toMatchObject({ count: 3, writeInMs: 28_000 });
    a.written('uid', 'e', 31_000);
    expect(a.observe('uid', 'e', 70_000)).toMatchObject({ count: 4, writeInMs: 0 });
    expect(a.current('uid', 'e')).toEqual({ name: 'web.abc', count: 4 });
  });

  it('starts a new Event after the window, and when the old one vanished', () => {
    const a = new EventAggregator({ windowMs: 1_000, burst: 100 });
    a.observe('uid', 'e', 0);
    a.created('uid', 'e', 'n1');
    expect(a.observe('uid', 'e', 5_000)).toEqual({ kind: 'create' });
    a.created('uid', 'e', 'n2');
    a.forget('uid', 'e');
    expect(a.observe('uid', 'e', 5_001)).toEqual({ kind: 'create' });
  });

  it('a repeat while the Event is still being created joins its series', () => {
    const a = new EventAggregator({ burst: 2 });
    expect(a.observe('uid', 'e', 0).kind).toBe('create');
    expect(a.observe('uid', 'e', 1)).toMatchObject({ kind: 'series', count: 2 });
    expect(a.current('uid', 'e')).toEqual({ name: undefined, count: 2 });
  });

  it('mutes an object emitting too many distinct events, then lets one through per refill', () => {
    const a = new EventAggregator({ burst: 3, refillMs: 60_000 });
    const kinds = ['a', 'b', 'c', 'd'].map((e) => a.observe('uid', e, 0).kind);
    expect(kinds).toEqual(['create', 'create', 'create', 'drop']);
    expect(a.observe('other', 'a', 0).kind).toBe('create');
    expect(a.observe('uid', 'e', 30_000).kind).toBe('drop');
    expect(a.observe('uid', 'e', 60_000).kind).toBe('create');
  });

  it('forgets the least recently seen series past maxTracked', () => {
    const a = new EventAggregator({ maxTracked: 2, burst: 100 });
    for (const e of ['a', 'b', 'c']) {
      a.observe('uid', e, 0);
      a.created('uid', e, `n-${e}`);
    }
    expect(a.observe('uid', 'a', 1).kind).toBe('create');
    expect(a.observe('uid', 'c', 1).kind).toBe('series');
  });
});

describe('event formatting', () => {
  it('truncates notes to the API limit on a character boundary', () => {
    expect(truncateNote('short')).toBe('short');
    const long = 'é'.repeat(1000);
    const cut = truncateNote(long);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_NOTE_BYTES);
    expect(cut.endsWith('é...')).toBe(true);
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });
});
