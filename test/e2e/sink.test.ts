import { describe, expect, it } from 'vitest';
import { scanBody } from './sink.ts';

describe('scanBody', () => {
  it.each([
    {
      name: 'a webhook batch',
      body: JSON.stringify({ batch: [{ messageId: 'a', receivedAt: '2026-01-01T00:00:00.000Z' }, { receivedAt: '2026-01-01T00:00:01.000Z', messageId: 'b' }] }),
      want: [
        { id: 'a', receivedAt: Date.parse('2026-01-01T00:00:00.000Z') },
        { id: 'b', receivedAt: Date.parse('2026-01-01T00:00:01.000Z') },
      ],
    },
    { name: 'one event without receivedAt', body: JSON.stringify({ messageId: 'x' }), want: [{ id: 'x', receivedAt: NaN }] },
    { name: 'no events', body: '{"batch":[]}', want: [] },
  ])('reads $name', ({ body, want }) => {
    expect(scanBody(body)).toEqual(want);
  });
});
