import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { errorOf, FakeApi, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { webhook, type WebhookSettings } from './index.ts';

/** A real endpoint on 127.0.0.1 that keeps the raw bytes of each request and answers as scripted. */
const api = useFakeApi();

const event = (id: string, extra: Record<string, unknown> = {}): OutboundEvent => {
  const e = { type: 'track' as const, event: 'Order Completed', messageId: id, timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z', ...extra };
  return { messageId: id, event: e, payload: e };
};

function withClient(settings: Partial<WebhookSettings>, credentials: Record<string, string>, fn: (c: DestinationClient) => Promise<void>, timeoutMs = 2000) {
  return withDestination(webhook, { name: 'hook', settings: { url: `${api.base}/hook`, ...settings }, credentials, timeoutMs }, fn);
}

describe('webhook destination against a real HTTP server', () => {
  it('posts one JSON event per request by default', async () => {
    await withClient({}, {}, async (c) => {
      const results = await send(c, [event('a')]);
      expect(results).toEqual([{ ok: true }]);
    });
    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/hook');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toMatch(/^sluice-webhook\//);
    expect(Number(req!.headers['content-length'])).toBe(req!.raw.length);
    expect(JSON.parse(req!.raw.toString())).toMatchObject({ messageId: 'a', type: 'track', event: 'Order Completed' });
  });

  it('sends a batch as {"batch": [...]} with the chosen method, static and secret headers, signed', async () => {
    const settings: Partial<WebhookSettings> = {
      method: 'PUT',
      batch: true,
      headers: { 'X-Team': 'growth' },
      headersFromSecret: { Authorization: 'auth' },
      signing: { secretKey: 'hmac' },
    };
    await withClient(settings, { auth: 'Bearer t0ken-abc', hmac: 'signing-key' }, async (c) => {
      const results = await send(c, [event('a', { properties: { name: 'Zoë ✓' } }), event('b')]);
      expect(results).toEqual([{ ok: true }, { ok: true }]);
    });
    expect(api.seen).toHaveLength(1);
    const [req] = api.seen;
    expect(req!.method).toBe('PUT');
    expect(req!.headers['x-team']).toBe('growth');
    expect(req!.headers.authorization).toBe('Bearer t0ken-abc');
    const body = JSON.parse(req!.raw.toString('utf8')) as { batch: Array<{ messageId: string; properties?: { name: string } }> };
    expect(body.batch.map((e) => e.messageId)).toEqual(['a', 'b']);
    expect(body.batch[0]!.properties!.name).toBe('Zoë ✓');
    const expected = `sha256=${createHmac('sha256', 'signing-key').update(req!.raw).digest('hex')}`;
    expect(req!.headers['x-sluice-signature']).toBe(expected);
  });

  it('uses a custom signature header', async () => {
    await withClient({ signing: { secretKey: 'k', header: 'X-Hub-Signature-256' } }, { k: 'key-1' }, async (c) => {
      await send(c, [event('a')]);
    });
    expect(api.seen[0]!.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 'key-1').update(api.seen[0]!.raw).digest('hex')}`);
    expect(api.seen[0]!.headers['x-sluice-signature']).toBeUndefined();
  });

  it('sends one request per event and fails only the events whose request failed', async () => {
    api.answer = (req) => (req.raw.toString().includes('"b"') ? { status: 503, body: 'busy' } : { status: 200 });
    await withClient({}, {}, async (c) => {
      const results = await send(c, [event('a'), event('b'), event('c')]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      expect(errorOf(results[1])).toMatchObject({ kind: 'retryable', status: 503, bodyExcerpt: 'busy' });
    });
    expect(api.seen).toHaveLength(3);
  });

  it.each([
    [400, 'payload'],
    [401, 'auth'],
    [403, 'auth'],
    [404, 'permanent'],
    [422, 'payload'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
  ])('classifies %i as %s, with a body excerpt free of secrets', async (status, kind) => {
    api.answer = () => ({ status, body: JSON.stringify({ error: 'nope', token: 'Bearer sekrit-9' }) });
    await withClient({ batch: true, headersFromSecret: { Authorization: 'auth' } }, { auth: 'Bearer sekrit-9' }, async (c) => {
      const [r] = await send(c, [event('a')]);
      const err = errorOf(r);
      expect(err).toMatchObject({ kind, status });
      expect(err!.bodyExcerpt).toContain('nope');
      expect(err!.bodyExcerpt).not.toContain('sekrit-9');
      expect(err!.message).not.toContain('sekrit-9');
    });
  });

  it('passes Retry-After on', async () => {
    api.answer = () => ({ status: 429, headers: { 'retry-after': '7' } });
    await withClient({ batch: true }, {}, async (c) => {
      const [r] = await send(c, [event('a')]);
      expect(errorOf(r)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 7000 });
    });
  });

  it('turns a request with no answer before the timeout into a retryable timeout', async () => {
    api.answer = () => ({ status: 200, delayMs: 1000 });
    await withClient({ batch: true }, {}, async (c) => {
      const t0 = performance.now();
      const [r] = await send(c, [event('a')], 150);
      expect(performance.now() - t0).toBeLessThan(900);
      expect(errorOf(r)).toMatchObject({ kind: 'retryable', code: 'timeout' });
    });
  });

  it('turns a refused connection into a retryable network error without the query string', async () => {
    const closed = await new FakeApi().start();
    const { port } = new URL(closed.base);
    await closed.close();
    const client = webhook.create({ name: 'hook', settings: { url: `http://127.0.0.1:${port}/x?api_key=qs-secret` }, credentials: {}, timeoutMs: 1000 });
    const [r] = await send(client, [event('a')]);
    await client.close?.();
    expect(errorOf(r)).toMatchObject({ kind: 'retryable', code: 'ECONNREFUSED' });
    expect(errorOf(r)!.message).not.toContain('qs-secret');
  });

  it('reuses connections (keep-alive)', async () => {
    await withClient({ batch: true }, {}, async (c) => {
      for (let i = 0; i < 5; i++) await send(c, [event(`k${i}`)]);
    });
    expect(new Set(api.seen.map((s) => s.socket)).size).toBe(1);
  });
});
