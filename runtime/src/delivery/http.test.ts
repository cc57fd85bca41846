import { describe, expect, it } from 'vitest';
import { asDeliveryError, maskRequest, resultForResponse } from './http.ts';
import { DeliveryError } from './types.ts';

const SECRETS = ['tok-123456', 'pw-abcdef'];
const spec = { method: 'POST', url: 'https://api.example.com/v1/e?key=tok-123456', headers: {}, body: '{}', messageIds: ['a'] };

describe('asDeliveryError', () => {
  it('returns a clean DeliveryError unchanged', () => {
    const e = new DeliveryError('answered 503', { kind: 'retryable', status: 503, bodyExcerpt: 'busy' });
    expect(asDeliveryError(e, SECRETS)).toBe(e);
  });

  it('masks credentials in the message and body excerpt, keeping the classification', () => {
    const e = new DeliveryError('login as pw-abcdef failed', { kind: 'auth', status: 401, bodyExcerpt: `bad token tok-123456 ${'x'.repeat(900)}`, code: 'E1', retryAfterMs: 5 });
    const out = asDeliveryError(e, SECRETS);
    expect(out.message).toBe('login as *** failed');
    expect(out.bodyExcerpt!.startsWith('bad token *** ')).toBe(true);
    expect(out.bodyExcerpt!.length).toBeLessThanOrEqual(512);
    expect(out).toMatchObject({ kind: 'auth', status: 401, code: 'E1', retryAfterMs: 5 });
  });

  it('treats anything else as retryable and internal', () => {
    const out = asDeliveryError(new TypeError('x is undefined near tok-123456'), SECRETS);
    expect(out).toMatchObject({ kind: 'retryable', code: 'internal' });
    expect(out.message).toBe('sending: x is undefined near ***');
  });
});

describe('resultForResponse', () => {
  it('is ok for a 2xx', () => {
    expect(resultForResponse(spec, { status: 202, headers: {}, body: '' }, SECRETS)).toEqual({ ok: true });
  });

  it('describes a failure without the query string or secrets', () => {
    const r = resultForResponse(spec, { status: 401, headers: {}, body: '{"error":"token tok-123456 revoked"}' }, SECRETS);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe('sending POST https://api.example.com/v1/e: answered 401: {"error":"token *** revoked"}');
    expect(r.error).toMatchObject({ kind: 'auth', status: 401, bodyExcerpt: '{"error":"token *** revoked"}' });
  });
});

describe('maskRequest', () => {
  it('masks credential values everywhere and derived Authorization values', () => {
    const masked = maskRequest(
      {
        ...spec,
        headers: { Authorization: 'Basic dG9rLTEyMzQ1Njo=', 'X-Key': 'tok-123456', 'Content-Type': 'application/json' },
        body: '{"token":"tok-123456"}',
      },
      SECRETS,
    );
    expect(masked.url).toBe('https://api.example.com/v1/e?key=***');
    expect(masked.headers).toEqual({ Authorization: 'Basic ***', 'X-Key': '***', 'Content-Type': 'application/json' });
    expect(masked.body).toBe('{"token":"***"}');
  });
});
