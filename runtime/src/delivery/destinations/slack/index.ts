import { Type, type Static } from '@sinclair/typebox';
import { splittingClient, type BatchProtocol, type SplitPlan } from '../../batching/index.ts';
import type { DestinationContext, DestinationType, OutboundEvent, SendResult } from '../../types.ts';
import { renderMessage, slackRequest } from './request.ts';
import { classifySlackResponse } from './response.ts';
import { MAX_TEMPLATE_LENGTH, compileTemplate, type Template } from './template.ts';

export const DEFAULT_TEMPLATE = '*{{event | name | type}}* from {{userId | anonymousId | "an anonymous visitor"}}';

export const SlackSettings = Type.Object(
  {
    template: Type.Optional(
      Type.String({
        description:
          'The message, in Slack mrkdwn. {{path}} writes a field of the event (properties.revenue, context.page.url); {{a | b | "text"}} writes the first that has a value. Values are escaped; the template\'s own text is not, so <https://…|links> work.',
        minLength: 1,
        maxLength: MAX_TEMPLATE_LENGTH,
        default: DEFAULT_TEMPLATE,
      }),
    ),
  },
  { additionalProperties: false, description: 'Credentials Secret key: webhookUrl (the incoming webhook URL, https://hooks.slack.com/services/…).' },
);
export type SlackSettings = Static<typeof SlackSettings>;

export function resolveWebhookUrl(credentials: Record<string, string>): string {
  const url = credentials['webhookUrl'];
  if (!url) throw new Error('slack credentials: the Secret has no webhookUrl key (the incoming webhook URL)');
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new Error('slack credentials: webhookUrl is not an http(s) URL');
  return url;
}

/**
 * What to mask: the URL's path (the secret part of a webhook URL) before the whole URL,
 * so previews and errors still name the host.
 */
export function webhookSecrets(url: string, credentials: Record<string, string>): string[] {
  let path = '';
  try {
    const u = new URL(url);
    path = `${u.pathname}${u.search}`;
  } catch {
    // resolveWebhookUrl has checked the shape; an unparsable URL is masked whole.
  }
  return [path.length > 1 ? path : '', ...Object.values(credentials)].filter((s) => s.length > 0);
}

export const slack: DestinationType<SlackSettings> = {
  type: 'slack',
  displayName: 'Slack',
  description: 'Posts a message per event to a Slack channel through an incoming webhook, written by a template over the event.',
  settingsSchema: SlackSettings,
  // Slack takes one message per request (and about one per second per webhook).
  maxBatchSize: 1,
  create(ctx: DestinationContext<SlackSettings>) {
    const url = resolveWebhookUrl(ctx.credentials);
    let template: Template;
    try {
      template = compileTemplate(ctx.settings.template ?? DEFAULT_TEMPLATE);
    } catch (err) {
      throw new Error(`settings.template: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const secrets = webhookSecrets(url, ctx.credentials);
    const plan = (batch: readonly OutboundEvent[]): SplitPlan => {
      const texts = new Map<number, string>();
      const preset = new Map<number, SendResult>();
      batch.forEach((e, i) => {
        const m = renderMessage(template, e);
        if ('text' in m) texts.set(i, m.text);
        else preset.set(i, { ok: false, error: m.error });
      });
      const protocol: BatchProtocol = {
        request: (positions) => slackRequest(url, texts.get(positions[0]!) ?? '', batch[positions[0]!]!.messageId),
        classify: (res) => classifySlackResponse(res),
      };
      return { protocol, preset, groups: [...texts.keys()].map((i) => [i]) };
    };
    return splittingClient({ plan, secrets, maxBatchSize: 1 });
  },
};
