import { describe, expect, it } from 'vitest';
import { decodePixelData, PIXEL_GIF } from './pixel.ts';

const q = (data: string) => `data=${encodeURIComponent(data)}`;
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');

describe('decodePixelData', () => {
  it('reads standard and URL-safe base64 JSON', () => {
    const event = { writeKey: 'k', userId: 'u?>>', event: 'Email Opened' };
    expect(decodePixelData(q(b64(event)), 32768, 64)).toEqual(event);
    expect(decodePixelData(`data=${Buffer.from(JSON.stringify(event)).toString('base64url')}`, 32768, 64)).toEqual(event);
  });

  it('puts back a "+" that query decoding turned into a space', () => {
    const event = { writeKey: 'k', userId: 'u>>>' };
    const standard = b64(event);
    expect(standard).toContain('+');
    expect(decodePixelData(`data=${standard}`, 32768, 64)).toEqual(event);
  });

  it.each([
    ['no data', ''],
    ['empty data', 'data='],
    ['not JSON', q(Buffer.from('nope').toString('base64'))],
    ['not an object', q(b64([1, 2]))],
    ['too large', q(b64({ p: 'x'.repeat(500) }))],
    ['too deep', q(Buffer.from(`{"a":${'['.repeat(70)}${']'.repeat(70)}}`).toString('base64'))],
  ])('ignores %s', (_name, query) => {
    expect(decodePixelData(query, 256, 64)).toBeUndefined();
  });

  it('answers with a 1×1 GIF', () => {
    expect(PIXEL_GIF.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(PIXEL_GIF.readUInt16LE(6)).toBe(1);
    expect(PIXEL_GIF.readUInt16LE(8)).toBe(1);
  });
});
