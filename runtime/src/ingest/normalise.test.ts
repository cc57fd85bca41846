import { describe, expect, it } from 'vitest';
import { readTime } from './timestamps.ts';
import { clientIp, MESSAGE_ID_PREFIX, normaliseEvent, type RequestFacts } from './normalise.ts';

const facts = (over: Partial<RequestFacts> = {}): RequestFacts => ({
  receivedAt: Date.parse('2024-05-01T12:00:00.000Z'),
  receivedAtIso: '2024-05-01T12:00:00.000Z',
  ip: '203.0.113.9',
  sentAt: undefined,
  type: 'track',
  ...over,
});

describe('normaliseEvent', () => {
  it('fills what the server knows and keeps what the client sent', () => {
    const event = normaliseEvent(
      {
        type: 'identify',
        event: 'Signed Up',
        userId: 'u1',
        messageId: 'm-1',
        writeKey: 'secret',
        properties: { a: 1 },
        context: { library: { name: 'analytics-node', version: '3.0.0' } },
        timestamp: '2024-05-01T12:59:58.000Z',
        sentAt: '2024-05-01T13:00:00.000Z',
        _metadata: { bundled: [] },
      },
      facts(),
    );
    expect(event).toEqual({
      type: 'track',
      event: 'Signed Up',
      userId: 'u1',
      messageId: 'm-1',
      properties: { a: 1 },
      context: { library: { name: 'analytics-node', version: '3.0.0' }, ip: '203.0.113.9' },
      timestamp: '2024-05-01T11:59:58.000Z',
      originalTimestamp: '2024-05-01T12:59:58.000Z',
      sentAt: '2024-05-01T13:00:00.000Z',
      receivedAt: '2024-05-01T12:00:00.000Z',
      _metadata: { bundled: [] },
    });
  });

  it('assigns a messageId when none or an empty one is sent, unique each time', () => {
    const a = normaliseEvent({ userId: 'u' }, facts());
    const b = normaliseEvent({ userId: 'u', messageId: '' }, facts());
    expect(a.messageId.startsWith(MESSAGE_ID_PREFIX)).toBe(true);
    expect(a.messageId).toMatch(/^sluice-[0-9a-f-]{36}$/);
    expect(b.messageId).not.toBe(a.messageId);
  });

  it('uses the batch sentAt when the event has none', () => {
    const e = normaliseEvent({ userId: 'u', timestamp: '2024-05-01T10:00:00Z' }, facts({ sentAt: readTime('2024-05-01T10:00:05Z'), type: undefined }));
    expect(e.timestamp).toBe('2024-05-01T11:59:55.000Z');
    expect(e.sentAt).toBe('2024-05-01T10:00:05.000Z');
  });

  it('keeps a context.ip the client set, fills an empty one, and drops nulls', () => {
    expect(normaliseEvent({ userId: 'u', context: { ip: '10.0.0.1' } }, facts()).context).toEqual({ ip: '10.0.0.1' });
    expect(normaliseEvent({ userId: 'u', context: { ip: '' } }, facts()).context).toEqual({ ip: '203.0.113.9' });
    const e = normaliseEvent({ userId: 'u', properties: null, traits: null, context: null, integrations: null }, facts({ ip: undefined }));
    expect('properties' in e || 'traits' in e || 'context' in e || 'integrations' in e).toBe(false);
  });

  it('drops a client-sent context.protocols: violations are the server\'s to stamp', () => {
    const forged = { violations: [], omitted: ['properties.revenue'], sourceId: 'x' };
    const e = normaliseEvent({ userId: 'u', context: { ip: '10.0.0.1', locale: 'en-US', protocols: forged } }, facts());
    expect(e.context).toEqual({ ip: '10.0.0.1', locale: 'en-US' });
  });

  it('drops an unreadable client timestamp rather than the event', () => {
    const e = normaliseEvent({ userId: 'u', timestamp: 'soon', originalTimestamp: 'x' }, facts());
    expect(e.timestamp).toBe('2024-05-01T12:00:00.000Z');
    expect(e.originalTimestamp).toBeUndefined();
  });
});

describe('clientIp', () => {
  it.each([
    [undefined, '127.0.0.1', '127.0.0.1'],
    [undefined, '::ffff:10.1.2.3', '10.1.2.3'],
    [undefined, '::1', '::1'],
    ['198.51.100.7', '10.0.0.1', '198.51.100.7'],
    [' 198.51.100.7 , 10.0.0.2', '10.0.0.1', '198.51.100.7'],
    [['2001:db8::1', '1.1.1.1'], '10.0.0.1', '2001:db8::1'],
    ['', '10.0.0.1', '10.0.0.1'],
    ['x'.repeat(100), '10.0.0.1', '10.0.0.1'],
    [undefined, undefined, undefined],
  ])('X-Forwarded-For %j, peer %s → %s', (xff, peer, want) => {
    expect(clientIp(xff, peer)).toBe(want);
  });
});
