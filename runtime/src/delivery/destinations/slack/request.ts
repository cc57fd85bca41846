import { isObject } from '../../../event.ts';
import { DeliveryError, type HttpRequestSpec, type OutboundEvent } from '../../types.ts';
import type { Template } from './template.ts';

/** Slack truncates message text beyond 40,000 characters; Sluice cuts it first, visibly. */
export const MAX_TEXT_LENGTH = 40_000;

export const USER_AGENT = 'sluice-slack/0.1';

/** Slack's mrkdwn treats only these three as control characters in text. */
export function escapeMrkdwn(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/**
 * The message for one event: the template rendered over the payload (the event itself
 * unless the Destination maps or transforms it), values escaped for mrkdwn. An empty
 * message is refused here, as Slack would (no_text).
 */
export function renderMessage(template: Template, e: OutboundEvent): { text: string } | { error: DeliveryError } {
  const data = isObject(e.payload) ? e.payload : e.event;
  let text = template(data, escapeMrkdwn).trim();
  if (text === '') return { error: new DeliveryError('rendering the Slack message: the template gave empty text for this event', { kind: 'payload', code: 'no_text' }) };
  if (text.length > MAX_TEXT_LENGTH) text = `${text.slice(0, MAX_TEXT_LENGTH - 1)}…`;
  return { text };
}

/** One POST of `{"text": …}` to the incoming webhook URL. */
export function slackRequest(webhookUrl: string, text: string, messageId: string): HttpRequestSpec {
  return {
    method: 'POST',
    url: webhookUrl,
    headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT },
    body: JSON.stringify({ text }),
    messageIds: [messageId],
  };
}
