import { describe, expect, it } from 'vitest';
import { baseFromPublicUrl, baseFromRequest, settingsBody } from './settings.ts';

describe('settings', () => {
  it('points the browser SDK at this ingest', () => {
    const body = settingsBody('wk_1', { host: 'localhost:8080', protocol: 'http' });
    expect(body.integrations).toEqual({
      'Segment.io': {
        apiKey: 'wk_1',
        apiHost: 'localhost:8080/v1',
        protocol: 'http',
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
      },
    });
    expect(body.metrics).toEqual({ sampleRate: 0, host: 'localhost:8080/v1' });
    expect(Object.keys(body.integrations as object)).toEqual(['Segment.io']);
  });

  it.each([
    ['https://events.example.com', { host: 'events.example.com', protocol: 'https' }],
    ['https://events.example.com/', { host: 'events.example.com', protocol: 'https' }],
    ['http://localhost:8080/sluice/v1/', { host: 'localhost:8080/sluice', protocol: 'http' }],
    ['http://[::1]:9000', { host: '[::1]:9000', protocol: 'http' }],
  ])('public URL %s', (url, want) => {
    expect(baseFromPublicUrl(url)).toEqual(want);
  });

  it('refuses public URLs that browsers cannot use', () => {
    expect(() => baseFromPublicUrl('ftp://x')).toThrow(/http or https/);
    expect(() => baseFromPublicUrl('not a url')).toThrow(/not a URL/);
  });

  it.each([
    ['localhost:8080', undefined, false, { host: 'localhost:8080', protocol: 'http' }],
    ['events.example.com', 'https', false, { host: 'events.example.com', protocol: 'https' }],
    ['events.example.com', 'https, http', false, { host: 'events.example.com', protocol: 'https' }],
    ['events.example.com', 'http', true, { host: 'events.example.com', protocol: 'http' }],
    ['events.example.com', undefined, true, { host: 'events.example.com', protocol: 'https' }],
    ['evil.test/"><script>', undefined, false, undefined],
    [undefined, undefined, false, undefined],
  ] as const)('Host %s, X-Forwarded-Proto %s, TLS %s', (host, proto, tls, want) => {
    expect(baseFromRequest(host, proto, tls)).toEqual(want);
  });
});
