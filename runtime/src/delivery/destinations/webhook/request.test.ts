import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../types.ts';
import { webhook, resolveTarget } from './index.ts';
import { buildWebhookRequests, signBody, type WebhookTarget } from './request.ts';

const out = (id: string, payload: unknown = { messageId: id, type: 'track' }): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', messageId: id, timestamp: 't', receivedAt: 't' },
  payload,
});
const target = (over: Partial<WebhookTarget> = {}): WebhookTarget => ({ url: 'https://hooks.example.com/in', method: 'POST', headers: {}, batch: false, ...over });

describe('buildWebhookRequests', () => {
  it('sends one request per event with the payload as body', () => {
    const reqs = buildWebhookRequests([out('a'), out('b')], target());
    expect(reqs.map((r) => r.positions)).toEqual([[0], [1]]);
    expect(reqs.map((r) => r.spec.messageIds)).toEqual([['a'], ['b']]);
    expect(JSON.parse(reqs[1]!.spec.body)).toEqual({ messageId: 'b', type: 'track' });
    expect(reqs[0]!.spec).toMatchObject({ method: 'POST', url: 'https://hooks.example.com/in' });
    expect(reqs[0]!.spec.headers['content-type']).toBe('application/json');
  });

  it('sends a batch as {"batch": [...]} in one request', () => {
    const reqs = buildWebhookRequests([out('a'), out('b'), out('c')], target({ batch: true, method: 'PUT' }));
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.positions).toEqual([0, 1, 2]);
    expect(reqs[0]!.spec.method).toBe('PUT');
    expect(JSON.parse(reqs[0]!.spec.body)).toEqual({ batch: [0, 1, 2].map((i) => ({ messageId: 'abc'[i], type: 'track' })) });
  });

  it('adds configured headers, and a signature over the exact body', () => {
    const [req] = buildWebhookRequests([out('a', { n: 1, s: 'ü' })], target({ headers: { 'X-Api-Key': 'k' }, signing: { key: 'hmac-key', header: 'X-Sig' } }));
    expect(req!.spec.headers['X-Api-Key']).toBe('k');
    const expected = createHmac('sha256', 'hmac-key').update(Buffer.from(req!.spec.body, 'utf8')).digest('hex');
    expect(req!.spec.headers['X-Sig']).toBe(`sha256=${expected}`);
  });

  it.each([
    // RFC 4231, test case 2.
    ['what do ya want for nothing?', 'Jefe', 'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['{"a":1}', 'secret', `sha256=${createHmac('sha256', 'secret').update('{"a":1}').digest('hex')}`],
  ])('signBody(%j, %j)', (body, key, expected) => {
    expect(signBody(body, key)).toBe(expected);
  });
});

describe('webhook settings', () => {
  it('resolves secret headers and the signing key from the credentials', () => {
    const t = resolveTarget(
      { url: 'http://x/y', headers: { 'X-Static': '1' }, headersFromSecret: { Authorization: 'auth' }, signing: { secretKey: 'sign' } },
      { auth: 'Bearer tok-123', sign: 'hmac' },
    );
    expect(t).toEqual({
      url: 'http://x/y',
      method: 'POST',
      batch: false,
      headers: { 'X-Static': '1', Authorization: 'Bearer tok-123' },
      signing: { key: 'hmac', header: 'X-Sluice-Signature' },
    });
  });

  it('previews requests with secrets masked', async () => {
    const client = webhook.create({
      name: 'hook',
      settings: { url: 'http://x/y?key=tok-123', batch: true, headersFromSecret: { Authorization: 'auth', 'X-Token': 'raw' } },
      credentials: { auth: 'Basic dXNlcjpwYXNz', raw: 'tok-123' },
      timeoutMs: 1000,
    });
    const [req] = client.preview!([out('a', { echo: 'tok-123' })]);
    expect(req!.headers.Authorization).toBe('Basic ***');
    expect(req!.headers['X-Token']).toBe('***');
    expect(req!.url).toBe('http://x/y?key=***');
    expect(req!.body).not.toContain('tok-123');
    expect(client.maxBatchSize).toBeUndefined();
    await client.close?.();
  });

  it('caps batches at one event when not batching', async () => {
    const client = webhook.create({ name: 'hook', settings: { url: 'http://x/y' }, credentials: {}, timeoutMs: 1000 });
    expect(client.maxBatchSize).toBe(1);
    await client.close?.();
  });
});
