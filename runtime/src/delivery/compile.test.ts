import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationRuntime } from '../config.ts';
import { checkDestination, compileDestination, DestinationConfigError, parseStartFrom, type CompiledDestination } from './compile.ts';
import { DESTINATIONS } from './destinations/index.ts';

const dest = (spec: Partial<DestinationRuntime['spec']> = {}, credentials: Record<string, string> = {}): DestinationRuntime => ({
  name: 'hook',
  spec: { sources: [{ name: 'web' }], type: 'webhook', settings: { url: 'http://127.0.0.1:9/x' }, ...spec },
  credentials,
});

const compiled: CompiledDestination[] = [];
const compile = (d: DestinationRuntime) => {
  const c = compileDestination(d, DESTINATIONS);
  compiled.push(c);
  return c;
};
afterEach(async () => {
  for (const c of compiled.splice(0)) await c.client.close?.();
});

describe('compileDestination', () => {
  it('applies the documented defaults', () => {
    const c = compile(dest());
    expect(c).toMatchObject({
      batchSize: 1, // the webhook sends one event per request unless batch: true
      maxInFlight: 8,
      timeoutMs: 10_000,
      retry: { initialMs: 1000, maxMs: 300_000, maxAgeMs: 4 * 3_600_000 },
      startFrom: 'now',
      sources: ['web'],
      route: { names: ['hook', 'Webhook'], consentCategories: [] },
    });
    expect(c.route.filter).toBeUndefined();
  });

  it('reads spec.delivery, consent and the filter', () => {
    const c = compile(
      dest({
        settings: { url: 'http://127.0.0.1:9/x', batch: true },
        delivery: { batchSize: 250, maxInFlight: 2, timeout: '3s', maxAge: '30m', backoff: { initial: '50ms', max: '2s' } },
        consent: { categories: ['advertising'] },
        filter: 'type == "track"',
        sources: [{ name: 'web' }, { name: 'app' }, { name: 'web' }],
      }),
    );
    expect(c).toMatchObject({
      batchSize: 250,
      maxInFlight: 2,
      timeoutMs: 3000,
      retry: { initialMs: 50, maxMs: 2000, maxAgeMs: 1_800_000 },
      sources: ['web', 'app'],
      route: { consentCategories: ['advertising'] },
    });
    expect(c.route.filter).toBeTypeOf('function');
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      compile(dest({ settings: { url: 'ftp://x', method: 'GET' }, filter: 'type ==', delivery: { backoff: { initial: '10s', max: '1s' } } }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DestinationConfigError);
    const problems = (err as DestinationConfigError).problems.join('\n');
    expect(problems).toContain('settings.url');
    expect(problems).toContain('settings.method');
    expect(problems).toContain('filter: compiling CEL expression');
    expect(problems).toContain('initial is longer than max');
  });

  it('names credentials keys the settings refer to but the Secret lacks', () => {
    const problems = checkDestination(
      dest({ settings: { url: 'http://x/y', headersFromSecret: { Authorization: 'token' }, signing: { secretKey: 'hmac' } } }, { token: 'Bearer abc' }),
      DESTINATIONS,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('signing.secretKey names credentials key "hmac"');
  });

  it('rejects an unknown type', () => {
    expect(checkDestination(dest({ type: 'carrier-pigeon' as 'webhook' }), DESTINATIONS)[0]).toContain('unknown type "carrier-pigeon"');
  });

  it('changes the digest with the spec or the credentials, not with key order', () => {
    const a = compile(dest({ settings: { url: 'http://x/y', batch: true } }, { k: '1' }));
    const b = compile(dest({ settings: { batch: true, url: 'http://x/y' } }, { k: '1' }));
    const c = compile(dest({ settings: { url: 'http://x/y', batch: true } }, { k: '2' }));
    const d = compile(dest({ settings: { url: 'http://x/z', batch: true } }, { k: '1' }));
    expect(a.digest).toBe(b.digest);
    expect(c.digest).not.toBe(a.digest);
    expect(d.digest).not.toBe(a.digest);
  });
});

describe('parseStartFrom', () => {
  const now = Date.parse('2024-05-01T10:00:00Z');
  it.each([
    ['now', { kind: 'now' }],
    ['72h', { kind: 'time', time: new Date('2024-04-28T10:00:00Z') }],
    ['1h30m', { kind: 'time', time: new Date('2024-05-01T08:30:00Z') }],
    ['2024-04-01T00:00:00Z', { kind: 'time', time: new Date('2024-04-01T00:00:00Z') }],
    ['2024-04-01T02:00:00+02:00', { kind: 'time', time: new Date('2024-04-01T00:00:00Z') }],
  ])('%s', (text, expected) => {
    expect(parseStartFrom(text, now)).toEqual(expected);
  });
  it.each(['yesterday', '2024-13-45T00:00:00Z', ''])('rejects %j', (text) => {
    expect(() => parseStartFrom(text, now)).toThrow(/startFrom/);
  });
});
