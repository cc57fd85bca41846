import { describe, expect, it } from 'vitest';
import type { OutboundEvent } from '../../types.ts';
import { DEFAULT_TEMPLATE, slack, webhookSecrets } from './index.ts';
import { MAX_TEXT_LENGTH, escapeMrkdwn, renderMessage, slackRequest } from './request.ts';
import { classifySlackResponse } from './response.ts';
import { compileTemplate } from './template.ts';

const URL_ = 'https://hooks.slack.com/services/T000/B000/XXXXsecret';
const out = (payload: unknown, event: Partial<OutboundEvent['event']> = {}): OutboundEvent => ({
  messageId: 'm1',
  event: { type: 'track', event: 'Signed Up', userId: 'u-9', messageId: 'm1', timestamp: 't', receivedAt: 't', ...event },
  payload,
});

describe('renderMessage', () => {
  const t = compileTemplate(DEFAULT_TEMPLATE);

  it.each([
    ['a track event', { type: 'track', event: 'Signed Up', userId: 'u-9' }, '*Signed Up* from u-9'],
    ['a page view', { type: 'page', name: 'Pricing', anonymousId: 'a-1' }, '*Pricing* from a-1'],
    ['an identify without ids', { type: 'identify' }, '*identify* from an anonymous visitor'],
    ['values escaped for mrkdwn', { type: 'track', event: '<!channel> & co', userId: 'u' }, '*&lt;!channel&gt; &amp; co* from u'],
  ])('%s', (_, payload, expected) => {
    expect(renderMessage(t, out(payload))).toEqual({ text: expected });
  });

  it('reads the event when the payload is not an object', () => {
    expect(renderMessage(t, out('mapped to text'))).toEqual({ text: '*Signed Up* from u-9' });
  });

  it('refuses an empty message as an invalid payload', () => {
    const r = renderMessage(compileTemplate('{{properties.nope}}'), out({}));
    expect('error' in r && r.error).toMatchObject({ kind: 'payload', code: 'no_text' });
  });

  it(`cuts text at ${MAX_TEXT_LENGTH} characters`, () => {
    const many = compileTemplate(Array(25).fill('{{p}}').join(''));
    const r = renderMessage(many, out({ p: 'w'.repeat(1999) }));
    expect('text' in r && r.text.length).toBe(MAX_TEXT_LENGTH);
  });

  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & b < c > d "e" *f*')).toBe('a &amp; b &lt; c &gt; d "e" *f*');
  });
});

describe('slackRequest', () => {
  it('posts {"text": …} as JSON to the webhook URL', () => {
    expect(slackRequest(URL_, 'hi "there"', 'm1')).toEqual({
      method: 'POST',
      url: URL_,
      headers: { 'content-type': 'application/json', 'user-agent': 'sluice-slack/0.1' },
      body: '{"text":"hi \\"there\\""}',
      messageIds: ['m1'],
    });
  });
});

describe('classifySlackResponse', () => {
  it.each([
    [200, 'ok', {}, { ok: true }],
    [400, 'invalid_payload', {}, { ok: false, kind: 'payload', code: 'invalid_payload' }],
    [400, 'no_text', {}, { ok: false, kind: 'payload' }],
    [403, 'action_prohibited', {}, { ok: false, kind: 'auth' }],
    [403, 'invalid_token', {}, { ok: false, kind: 'auth' }],
    [404, 'no_service', {}, { ok: false, kind: 'auth', code: 'no_service' }],
    [404, 'channel_not_found', {}, { ok: false, kind: 'permanent' }],
    [410, 'channel_is_archived', {}, { ok: false, kind: 'permanent' }],
    [500, 'rollup_error', {}, { ok: false, kind: 'retryable' }],
    [429, 'rate_limited', { 'retry-after': '1' }, { ok: false, kind: 'retryable', retryAfterMs: 1000 }],
    [502, '<html>', {}, { ok: false, kind: 'retryable' }],
    [404, 'Not Found', {}, { ok: false, kind: 'permanent' }],
  ])('%i %s', (status, body, headers, expected) => {
    expect(classifySlackResponse({ status, body, headers }, 0)).toMatchObject(expected);
  });
});

describe('slack settings', () => {
  it('masks the secret path of the webhook URL in previews, keeping the host', async () => {
    expect(webhookSecrets(URL_, { webhookUrl: URL_ })).toEqual(['/services/T000/B000/XXXXsecret', URL_]);
    const client = slack.create({ name: 's', settings: { template: '{{event}}' }, credentials: { webhookUrl: URL_ }, timeoutMs: 1000 });
    const [req] = client.preview!([out({ event: 'Hello' })]);
    await client.close?.();
    expect(req).toMatchObject({ url: 'https://hooks.slack.com***', body: '{"text":"Hello"}' });
    expect(client.maxBatchSize).toBe(1);
  });

  it.each([
    [{}, 'slack credentials: the Secret has no webhookUrl key'],
    [{ webhookUrl: 'hooks.slack.com/x' }, 'slack credentials: webhookUrl is not an http(s) URL'],
  ])('refuses credentials %j', (credentials, message) => {
    expect(() => slack.create({ name: 's', settings: {}, credentials, timeoutMs: 1000 })).toThrow(message);
  });

  it('names the setting and the column of a template error', () => {
    expect(() => slack.create({ name: 's', settings: { template: 'x {{event' }, credentials: { webhookUrl: URL_ }, timeoutMs: 1000 })).toThrow(
      'settings.template: compiling the message template: "{{" is never closed by "}}" at column 3',
    );
  });
});
