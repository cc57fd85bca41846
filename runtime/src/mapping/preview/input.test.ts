import { describe, expect, it } from 'vitest';
import { MAX_PREVIEW_EVENTS, PreviewInputError, readEvents } from './input.ts';

const NOW = Date.parse('2024-05-01T10:00:00.000Z');
const track = { type: 'track', event: 'Order Completed', userId: 'u1', properties: { revenue: 1 } };

describe('readEvents', () => {
  it('reads one event and fills in what the ingest would', () => {
    const { events, refused } = readEvents(JSON.stringify(track), 'x.json', NOW);
    expect(refused).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ...track, timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z' });
    expect(events[0]!.messageId).toMatch(/^sluice-/);
  });

  it('keeps the client messageId and corrects the timestamp by sentAt like the ingest', () => {
    const body = { batch: [{ ...track, messageId: 'm-1', timestamp: '2024-05-01T09:59:00.000Z' }], sentAt: '2024-05-01T09:59:30.000Z', context: { ip: '1.2.3.4' } };
    const [e] = readEvents(JSON.stringify(body), 'x', NOW).events;
    expect(e).toMatchObject({ messageId: 'm-1', timestamp: '2024-05-01T09:59:30.000Z', originalTimestamp: '2024-05-01T09:59:00.000Z', context: { ip: '1.2.3.4' } });
  });

  it.each([
    ['an array', JSON.stringify([track, { ...track, event: 'B' }])],
    ['a batch body', JSON.stringify({ batch: [track, { ...track, event: 'B' }] })],
    ['one event per line', `${JSON.stringify(track)}\n\n${JSON.stringify({ ...track, event: 'B' })}\n`],
  ])('reads %s', (_name, text) => {
    expect(readEvents(text, 'x', NOW).events.map((e) => e.event)).toEqual(['Order Completed', 'B']);
  });

  it('lists the events the ingest would refuse, with its code', () => {
    const { events, refused } = readEvents(JSON.stringify([track, { type: 'track', userId: 'u1' }, { type: 'track', event: 'x' }, 'text']), 'x', NOW);
    expect(events).toHaveLength(1);
    expect(refused.map((r) => [r.index, r.code])).toEqual([
      [1, 'event_not_defined'],
      [2, 'no_user_anon_id'],
      [3, 'event_not_object'],
    ]);
    expect(refused[0]!.message).toContain('without an `event` name');
  });

  it('does not change the objects it was given', () => {
    const item = { ...track };
    readEvents(JSON.stringify({ batch: [item] }), 'x', NOW);
    expect(item).toEqual(track);
  });

  it.each([
    ['', 'the input is empty'],
    ['{"type": ', 'not JSON'],
    ['{"a":1}\n{oops}', 'line 2 is not JSON'],
    ['42', 'expected an event object'],
    ['[]', 'no events found'],
    [JSON.stringify(Array.from({ length: MAX_PREVIEW_EVENTS + 1 }, () => track)), `at most ${MAX_PREVIEW_EVENTS}`],
  ])('refuses %j as input', (text, message) => {
    expect(() => readEvents(text, 'in.json', NOW)).toThrow(PreviewInputError);
    expect(() => readEvents(text, 'in.json', NOW)).toThrow(message);
  });
});
