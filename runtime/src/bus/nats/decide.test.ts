import { describe, expect, it } from 'vitest';
import { BusError } from '../types.ts';
import {
  checkCount,
  consumerChanges,
  consumerConfig,
  deadLetterStreamConfig,
  listLimit,
  nanos,
  parseAckSubject,
  parsePubAck,
  pullBody,
  pullDeadline,
  pullPlan,
  pullStatus,
  replayDue,
  sourceStreamConfig,
  streamChanges,
  tailStart,
  truncate,
  waitSlice,
} from './decide.ts';

const HOUR = 3_600_000;
const settings = { duplicateWindowMs: 600_000, replicas: 1 };

describe('stream configuration', () => {
  it('keeps events for the retention, on file, de-duplicating within the window', () => {
    const c = sourceStreamConfig('S_SRC_web', ['S.src.web', 'S.rpl.web.*'], 'web', 168 * HOUR, settings);
    expect(c).toMatchObject({ name: 'S_SRC_web', storage: 'file', retention: 'limits', discard: 'old', num_replicas: 1 });
    expect(c.max_age).toBe(168 * HOUR * 1e6);
    expect(c.duplicate_window).toBe(600_000 * 1e6);
    expect(c.description).toContain('web');
  });

  it.each([
    [400, 400],
    [600_000, 600_000],
    [HOUR, 600_000],
  ])('caps the duplicate window at the retention (retention %i ms → window %i ms)', (retention, window) => {
    expect(sourceStreamConfig('n', ['s'], 'web', retention, settings).duplicate_window).toBe(nanos(window));
  });

  it('keeps dead letters for their own retention', () => {
    expect(deadLetterStreamConfig('S_DLQ_d', 'S.dlq.d.*', 'd', 7 * 24 * HOUR, settings)).toMatchObject({ subjects: ['S.dlq.d.*'], max_age: nanos(7 * 24 * HOUR) });
  });

  const desired = sourceStreamConfig('n', ['a', 'b'], 'web', HOUR, settings);
  it.each([
    ['nothing differs', { ...desired, subjects: ['b', 'a'] }, undefined],
    ['the retention changed', { ...desired, max_age: nanos(2 * HOUR) }, { max_age: nanos(HOUR) }],
    ['the window changed', { ...desired, duplicate_window: nanos(1) }, { duplicate_window: nanos(600_000) }],
    ['replicas changed', { ...desired, num_replicas: 3 }, { num_replicas: 1 }],
    ['a subject is missing', { ...desired, subjects: ['a'] }, { subjects: ['a', 'b'] }],
  ])('updates an existing stream when %s', (_what, current, expected) => {
    expect(streamChanges(current, desired)).toEqual(expected);
  });
});

describe('consumer configuration', () => {
  const s = { ackWaitMs: 30_000, maxAckPending: 20_000, replicas: 1 };

  it.each([
    [{ kind: 'now' } as const, { deliver_policy: 'new' }],
    [{ kind: 'time', time: new Date('2026-01-01T00:00:00Z') } as const, { deliver_policy: 'by_start_time', opt_start_time: '2026-01-01T00:00:00.000Z' }],
    ['all' as const, { deliver_policy: 'all' }],
  ])('starts %j with %j', (start, expected) => {
    const c = consumerConfig('d__s', 'S.src.s', 'x', start, s);
    expect(c).toMatchObject({ durable_name: 'd__s', filter_subject: 'S.src.s', ack_policy: 'explicit', ack_wait: nanos(30_000), max_deliver: -1, max_ack_pending: 20_000, ...expected });
    if (expected.deliver_policy !== 'by_start_time') expect(c.opt_start_time).toBeUndefined();
  });

  it('changes ackWait and limits of an existing durable but never where it starts', () => {
    const desired = consumerConfig('d__s', 'S.src.s', 'x', { kind: 'now' }, s);
    expect(consumerChanges({ ...desired, deliver_policy: 'all' }, desired)).toBeUndefined();
    expect(consumerChanges({ ...desired, ack_wait: nanos(1) }, desired)).toEqual({ ack_wait: nanos(30_000) });
    expect(consumerChanges({ ...desired, max_ack_pending: 1_000 }, desired)).toEqual({ max_ack_pending: 20_000 });
  });
});

describe('parseAckSubject', () => {
  it.each([
    ['$JS.ACK.S_SRC_web.d__web.3.42.40.1795431196134155411.7', { stream: 'S_SRC_web', consumer: 'd__web', delivered: 3, streamSeq: 42, storedAt: 1795431196134 }],
    ['$JS.ACK.dom.ACCHASH.S_SRC_web.d__web.1.5.5.1795431196134155411.0.rand', { stream: 'S_SRC_web', consumer: 'd__web', delivered: 1, streamSeq: 5, storedAt: 1795431196134 }],
  ])('reads %s', (reply, expected) => {
    expect(parseAckSubject(reply)).toEqual(expected);
  });

  it.each(['', '_INBOX.abc', '$JS.ACK.a.b.c', '$JS.ACK.S.c.x.1.1.1.0', '$JS.API.S.c.1.1.1.1.0'])('rejects %j', (reply) => {
    expect(parseAckSubject(reply)).toBeUndefined();
  });
});

describe('parsePubAck', () => {
  it.each([
    [0, '{"stream":"S", "seq":1}', { ok: true, duplicate: false }],
    [0, '{"stream":"S", "seq":1,"duplicate": true}', { ok: true, duplicate: true }],
    [0, '{"stream":"S","seq":1,"duplicate":true}', { ok: true, duplicate: true }],
    [503, '', { ok: false, noStream: true, message: 'no stream stores this subject' }],
    [0, '{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}', { ok: false, noStream: false, message: 'maximum messages exceeded (10077)' }],
    [0, 'garbage', { ok: false, noStream: false, message: 'unexpected reply "garbage"' }],
    [408, '', { ok: false, noStream: false, message: 'status 408' }],
  ])('reads status %i body %j', (code, body, expected) => {
    expect(parsePubAck(code, body)).toEqual(expected);
  });
});

describe('pullBody', () => {
  it.each([
    ['answers at once with what is there', 10, 0, { batch: 10, no_wait: true }],
    ['asks for heartbeats a quarter of the wait apart', 1, 1_000, { batch: 1, expires: 1_000_000_000, idle_heartbeat: 250_000_000 }],
    ['at most every 5 s', 5, 60_000, { batch: 5, expires: 60_000_000_000, idle_heartbeat: 5_000_000_000 }],
    ['none for a wait too short to hear one', 1, 120, { batch: 1, expires: 120_000_000 }],
    ['never a wait the server would not answer', 1, 3, { batch: 1, expires: 100_000_000 }],
  ])('%s', (_what, batch, waitMs, expected) => {
    expect(pullBody(batch, waitMs)).toEqual(expected);
  });
});

describe('pullPlan', () => {
  it.each([
    ['no_wait: the server answers at once, so the grace after the last message', 10, 0, { limitMs: 250, quietMs: Number.POSITIVE_INFINITY }],
    ['a wait long enough for heartbeats: two missed end it', 1, 1_000, { limitMs: 1_250, quietMs: 750 }],
    ['short wait: expiry plus the grace, no heartbeats to miss', 1, 120, { limitMs: 370, quietMs: Number.POSITIVE_INFINITY }],
    ['a wait below the minimum counts as the minimum', 1, 3, { limitMs: 350, quietMs: Number.POSITIVE_INFINITY }],
    ['long wait: two missed heartbeats end it early', 5, 60_000, { limitMs: 60_250, quietMs: 10_250 }],
  ])('%s', (_what, batch, waitMs, expected) => {
    const plan = pullPlan(batch, waitMs);
    expect({ limitMs: plan.limitMs, quietMs: plan.quietMs }).toEqual(expected);
    expect(plan.body).toEqual(pullBody(batch, waitMs));
  });
});

describe('pullDeadline', () => {
  const noWait = pullPlan(10, 0);
  const short = pullPlan(1, 150);
  const beating = pullPlan(1, 1_000);
  const long = pullPlan(1, 60_000);
  it.each([
    ['no_wait, nothing heard: the grace after sending', noWait, 1_000, 1_000, 1_000, 1_250],
    ['no_wait, messages flowing: the grace after the last', noWait, 1_000, 1_900, 1_900, 2_150],
    ['waiting, nothing heard: expiry plus grace', short, 1_000, 1_000, 1_000, 1_400],
    ['waiting, messages still flowing past the expiry: the grace after the last', short, 1_000, 1_400, 1_400, 1_650],
    ['heartbeats heard: still no later than expiry plus grace', beating, 0, 900, 0, 1_250],
    ['no heartbeat heard: two of them plus grace after sending', beating, 0, 0, 0, 750],
    ['long wait, heartbeats stopped: two of them plus grace after the last', long, 0, 20_000, 0, 30_250],
    ['long wait, nothing at all: two heartbeats plus grace after sending', long, 0, 0, 0, 10_250],
  ])('%s', (_what, plan, sentAt, heardAt, lastMsgAt, expected) => {
    expect(pullDeadline(plan, sentAt, heardAt, lastMsgAt)).toBe(expected);
  });
});

describe('pullStatus', () => {
  it.each([
    [100, 'ignore'],
    [404, 'done'],
    [408, 'done'],
    [409, 'failed'],
    [503, 'failed'],
  ])('treats %i as %s', (code, expected) => {
    expect(pullStatus(code)).toBe(expected);
  });
});

describe('tailStart', () => {
  const s = { firstSeq: 10, lastSeq: 109 };
  it('starts with a window of exactly the wanted messages', () => {
    expect(tailStart(s, 20)).toBe(90);
  });
  it('doubles the window when gaps left it short', () => {
    expect(tailStart(s, 20, 90)).toBe(70);
    expect(tailStart(s, 20, 70)).toBe(30);
  });
  it('never starts before the first message', () => {
    expect(tailStart(s, 500)).toBe(10);
    expect(tailStart(s, 20, 30)).toBe(10);
  });
});

describe('replay polling', () => {
  it.each([
    [undefined, false, 1_000, true],
    [500, false, 1_000, false],
    [0, false, 1_000, true],
    [900, true, 1_000, true],
  ])('last check %j, found %j, now %i → due %j', (last, found, now, expected) => {
    expect(replayDue(last, found, now, 1_000)).toBe(expected);
  });

  it('waits on events until the next replay check or the deadline, whichever is first', () => {
    expect(waitSlice(5_000, 1_000, 1_200, 1_000)).toBe(800);
    expect(waitSlice(300, 1_000, 1_200, 1_000)).toBe(300);
    expect(waitSlice(300, 0, 5_000, 1_000)).toBe(1);
  });
});

describe('bounds', () => {
  it('clamps counts and refuses what is not a number', () => {
    expect(checkCount('x', 5.7, 1, 10)).toBe(5);
    expect(checkCount('x', 50, 1, 10)).toBe(10);
    expect(() => checkCount('x', 0, 1, 10)).toThrow(BusError);
    expect(() => checkCount('x', Number.NaN, 0, 10)).toThrow(/checking x/);
    expect(listLimit(undefined)).toBe(100);
    expect(listLimit(1e9)).toBe(10_000);
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
