import { describe, expect, it } from 'vitest';
import { KeyTable, parseAuthorization, requestKey } from './auth.ts';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe('parseAuthorization', () => {
  it.each([
    ['Basic with the colon', basic('abc123:'), { scheme: 'basic', key: 'abc123' }],
    ['Basic without the colon', basic('abc123'), { scheme: 'basic', key: 'abc123' }],
    ['Basic with a password, ignored', basic('abc123:secret'), { scheme: 'basic', key: 'abc123' }],
    ['lower-case scheme', `basic ${Buffer.from('k:').toString('base64')}`, { scheme: 'basic', key: 'k' }],
    ['URL-safe base64', `Basic ${Buffer.from('a?>b:').toString('base64url')}`, { scheme: 'basic', key: 'a?>b' }],
    ['Bearer', 'Bearer eyJhbGciOi.token', { scheme: 'bearer' }],
    ['no header', undefined, { scheme: 'none' }],
    ['empty Bearer', 'Bearer ', { scheme: 'none' }],
    ['scheme only', 'Basic', { scheme: 'none' }],
    ['Basic with an empty key', basic(':pw'), { scheme: 'none' }],
    ['Basic that is not base64', 'Basic !!!not-base64!!!', { scheme: 'none' }],
    ['another scheme', 'Digest username="x"', { scheme: 'none' }],
    ['absurdly long', `Basic ${'A'.repeat(5000)}`, { scheme: 'none' }],
  ])('%s', (_name, header, want) => {
    expect(parseAuthorization(header)).toEqual(want);
  });
});

describe('requestKey', () => {
  it('prefers the Basic key, else the body writeKey', () => {
    expect(requestKey({ scheme: 'basic', key: 'h' }, 'b')).toBe('h');
    expect(requestKey({ scheme: 'bearer' }, 'b')).toBe('b');
    expect(requestKey({ scheme: 'none' }, 'b')).toBe('b');
    expect(requestKey({ scheme: 'none' }, '')).toBeUndefined();
    expect(requestKey({ scheme: 'none' }, 42)).toBeUndefined();
    expect(requestKey({ scheme: 'bearer' }, undefined)).toBeUndefined();
  });
});

describe('KeyTable', () => {
  it('finds the value of a known key and nothing for others', () => {
    const t = new KeyTable<string>();
    t.add('key-web', 'web');
    t.add('key-web-next', 'web');
    t.add('key-backend', 'backend');
    expect(t.size).toBe(3);
    expect(t.lookup('key-web')).toBe('web');
    expect(t.lookup('key-web-next')).toBe('web');
    expect(t.lookup('key-backend')).toBe('backend');
    expect(t.lookup('key-we')).toBeUndefined();
    expect(t.lookup('')).toBeUndefined();
    expect(t.lookup('key-web ')).toBeUndefined();
  });
});
