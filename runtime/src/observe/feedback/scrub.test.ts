import { describe, expect, it } from 'vitest';
import { cleanText, cutText, scrubText } from './scrub.ts';

describe('scrubText', () => {
  it.each<[string, string]>([
    ['answered 400: {"error":"invalid email jane.doe+shop@example.co.uk"}', 'answered 400: {"error":"invalid email [email]"}'],
    ['header Authorization: Bearer sk_live_abcDEF123456', 'header Authorization: Bearer [redacted]'],
    ['authorization=sk_live_abcDEF123456', 'authorization=[redacted]'],
    ['sent with Basic dXNlcjpwYXNz and more', 'sent with Basic [redacted] and more'],
    ['token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl expired', 'token [redacted] expired'],
    ['https://api.example.com/v1?api_key=abc123&x=1', 'https://api.example.com/v1?api_key=[redacted]&x=1'],
    ['{"access_token": "s3cr3t-value", "ok": false}', '{"access_token": "[redacted]", "ok": false}'],
    ['password=hunter22; user=bob', 'password=[redacted]; user=bob'],
    ['phone +14155550123 is not valid', 'phone [phone] is not valid'],
    // Nothing personal: left alone.
    ['properties.revenue: expected number, got string', 'properties.revenue: expected number, got string'],
    ['sending POST https://graph.facebook.com/v19.0/123/events: answered 401', 'sending POST https://graph.facebook.com/v19.0/123/events: answered 401'],
    ['properties.plan: expected one of "free", "pro"', 'properties.plan: expected one of "free", "pro"'],
    ['expected at most 50 characters; order 1234567 failed', 'expected at most 50 characters; order 1234567 failed'],
  ])('%s', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });
});

describe('cutText', () => {
  it.each<[string, number, string]>([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['abcdefghijk', 5, 'abcd…'],
    // A surrogate pair is never split in half.
    ['abc😀def', 5, 'abc…'],
  ])('%s cut to %d', (input, max, expected) => {
    expect(cutText(input, max)).toBe(expected);
    expect(cutText(input, max).length).toBeLessThanOrEqual(max);
  });
});

describe('cleanText', () => {
  it('never lets part of an address through when the text is cut', () => {
    const text = `${'word '.repeat(30)}jane.doe@example.com ${'tail '.repeat(30)}`;
    for (let max = 10; max < 200; max += 7) {
      const out = cleanText(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/jane|example/);
    }
  });

  it('takes linear time on long runs that almost look like an address', () => {
    const started = performance.now();
    for (let i = 0; i < 20; i++) scrubText('x'.repeat(20_000));
    for (let i = 0; i < 20; i++) cleanText('a.'.repeat(1_000_000), 300);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
