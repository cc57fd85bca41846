import { describe, expect, it } from 'vitest';
import { corsHeaders, OriginPolicy, preflightHeaders } from './cors.ts';

describe('OriginPolicy', () => {
  const p = new OriginPolicy(['https://shop.example.com/', 'HTTPS://Admin.Example.com', 'https://*.cdn.example.net']);
  it.each([
    ['https://shop.example.com', true],
    ['https://admin.example.com', true],
    ['https://a.cdn.example.net', true],
    ['https://a.b.cdn.example.net', true],
    ['https://cdn.example.net', false],
    ['http://a.cdn.example.net', false],
    ['https://shop.example.com.evil.test', false],
    ['https://evil.test', false],
    ['null', false],
  ])('%s → %s', (origin, allowed) => {
    expect(p.allows(origin)).toBe(allowed);
  });

  it('"*" allows any origin; no entries allow none', () => {
    expect(new OriginPolicy(['*']).allows('https://anything.test')).toBe(true);
    expect(new OriginPolicy([]).allows('https://anything.test')).toBe(false);
    expect(new OriginPolicy([]).isEmpty).toBe(true);
  });

  it('unions the lists of every Source for preflights', () => {
    const u = OriginPolicy.union([['https://a.test'], ['https://b.test']]);
    expect([u.allows('https://a.test'), u.allows('https://b.test'), u.allows('https://c.test')]).toEqual([true, true, false]);
  });
});

describe('headers', () => {
  it('echoes an allowed origin and says nothing to others', () => {
    const p = new OriginPolicy(['https://a.test']);
    expect(corsHeaders('https://a.test', p)).toEqual({ 'access-control-allow-origin': 'https://a.test', vary: 'Origin' });
    expect(corsHeaders('https://b.test', p)).toEqual({});
    expect(corsHeaders(undefined, p)).toEqual({});
  });

  it('lets browsers send what the SDKs send', () => {
    const h = preflightHeaders('https://a.test');
    expect(h['access-control-allow-origin']).toBe('https://a.test');
    for (const name of ['Authorization', 'Content-Type', 'X-Retry-Count', 'Content-Encoding']) {
      expect(String(h['access-control-allow-headers'])).toContain(name);
    }
    expect(String(h['access-control-allow-methods']).split(', ').sort()).toEqual(['GET', 'OPTIONS', 'POST']);
    expect(Number(h['access-control-max-age'])).toBeGreaterThan(0);
  });
});
