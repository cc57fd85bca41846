import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { bodyOf, errorOf, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { slack } from './index.ts';

/**
 * Slack incoming webhooks as documented: POST of JSON {"text": …} to the webhook URL (the
 * secret is its path), one message per request; 200 "ok"; errors as plain-text codes with
 * 400 (invalid_payload, no_text), 403 (action_prohibited, invalid_token), 404
 * (no_service, channel_not_found), 410 (channel_is_archived), 500 (rollup_error), and 429
 * with Retry-After when posting faster than about one message a second.
 */
const api = useFakeApi();

const SECRET_PATH = '/services/T0001/B0002/sEcReTtOkEn42';
const event = (id: string, extra: Record<string, unknown> = {}): OutboundEvent => {
  const e = { type: 'track' as const, event: 'Order Completed', userId: 'u-1', messageId: id, timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z', properties: { revenue: 99.5 }, ...extra };
  return { messageId: id, event: e, payload: e };
};

function withClient(fn: (c: DestinationClient) => Promise<void>, template?: string) {
  return withDestination(slack, { name: 'sales', settings: template === undefined ? {} : { template }, credentials: { webhookUrl: `${api.base}${SECRET_PATH}` }, timeoutMs: 2000 }, fn);
}
const plain = (status: number, body: string, headers: Record<string, string> = {}) => ({ status, body, headers: { 'content-type': 'text/plain', ...headers } });

describe('slack against a local incoming webhook', () => {
  it('posts one {"text": …} message per event to the webhook URL, rendered from the template', async () => {
    api.answer = () => plain(200, 'ok');
    await withClient(async (c) => {
      const results = await send(c, [event('a'), event('b', { event: 'Refund <Issued> & Co', properties: { revenue: 5 } })]);
      expect(results).toEqual([{ ok: true }, { ok: true }]);
    }, '{{event}}: ${{properties.revenue}} by {{userId}} <https://crm.example.com|open>');
    expect(api.seen).toHaveLength(2);
    for (const req of api.seen) {
      expect(req.method).toBe('POST');
      expect(req.path).toBe(SECRET_PATH);
      expect(req.headers['content-type']).toBe('application/json');
    }
    const texts = api.seen.map((r) => bodyOf<{ text: string }>(r).text).sort();
    expect(texts).toEqual([
      'Order Completed: $99.5 by u-1 <https://crm.example.com|open>',
      'Refund &lt;Issued&gt; &amp; Co: $5 by u-1 <https://crm.example.com|open>',
    ]);
    expect(Object.keys(bodyOf<object>(api.seen[0]!))).toEqual(['text']);
  });

  it('takes batches of one event', () => {
    expect(slack.maxBatchSize).toBe(1);
  });

  it('dead-letters an event whose message would be empty without posting it', async () => {
    await withClient(async (c) => {
      const [r] = await send(c, [event('a')]);
      expect(errorOf(r)).toMatchObject({ kind: 'payload', code: 'no_text' });
    }, '{{properties.missing}}');
    expect(api.seen).toHaveLength(0);
  });

  it.each([
    [400, 'invalid_payload', 'payload'],
    [400, 'no_text', 'payload'],
    [403, 'action_prohibited', 'auth'],
    [403, 'invalid_token', 'auth'],
    [404, 'no_service', 'auth'],
    [404, 'channel_not_found', 'permanent'],
    [410, 'channel_is_archived', 'permanent'],
    [500, 'rollup_error', 'retryable'],
  ])('classifies %i %s as %s, with the webhook path masked', async (status, code, kind) => {
    api.answer = () => plain(status, code);
    await withClient(async (c) => {
      const [r] = await send(c, [event('a')]);
      const err = errorOf(r);
      expect(err).toMatchObject({ kind, status, code });
      expect(err!.message).toBe(`sending POST ${api.base}***: answered ${status}: ${code}`);
    });
    expect(api.seen).toHaveLength(1);
  });

  it('waits for Retry-After when rate limited', async () => {
    api.answer = () => plain(429, 'rate_limited', { 'retry-after': '30' });
    await withClient(async (c) => {
      const [r] = await send(c, [event('a')]);
      expect(errorOf(r)).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 30_000 });
    });
  });

  it('fails only the events whose post failed', async () => {
    api.answer = (req) => (bodyOf<{ text: string }>(req).text.includes('Bad') ? plain(400, 'invalid_payload') : plain(200, 'ok'));
    await withClient(async (c) => {
      const results = await send(c, [event('a'), event('b', { event: 'Bad' }), event('c')]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    }, '{{event}}');
  });
});
