import { Type, type Static } from '@sinclair/typebox';
import { chunkPositions, splittingClient, type SplitPlan } from '../../batching/index.ts';
import type { DestinationContext, DestinationType, OutboundEvent, SendResult } from '../../types.ts';
import { MAX_EVENTS_PER_REQUEST, rejectLocally, tiktokRequest, trackUrl, type TikTokTarget } from './request.ts';
import { classifyTikTokResponse } from './response.ts';

export const TikTokSettings = Type.Object(
  {
    eventSourceId: Type.String({
      description: 'Where the events go: the Pixel code for web events, the TikTok App ID for app events, the event set id for offline or CRM events.',
      pattern: '^[A-Za-z0-9_-]{1,64}$',
    }),
    eventSource: Type.Optional(
      Type.Union([Type.Literal('web'), Type.Literal('app'), Type.Literal('offline'), Type.Literal('crm')], {
        description: 'Kind of events: web, app, offline or crm.',
        default: 'web',
      }),
    ),
    apiVersion: Type.Optional(Type.String({ description: 'Business API version.', pattern: '^v[0-9]{1,2}[.][0-9]{1,2}$', default: 'v1.3' })),
    baseUrl: Type.Optional(
      Type.String({
        description: 'Business API address; change it only to go through a proxy or to test against a local server.',
        pattern: '^https?://[^\\s?#]+$',
        maxLength: 2048,
        default: 'https://business-api.tiktok.com',
      }),
    ),
    testEventCode: Type.Optional(Type.String({ description: "Sends the events as test events (Events Manager's Test events tab).", minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false, description: 'Credentials Secret key: accessToken (an Events API access token).' },
);
export type TikTokSettings = Static<typeof TikTokSettings>;

/**
 * One Events API event per Segment event. Identifiers are normalised and SHA-256 hashed
 * as TikTok requires (e-mail trimmed and lower-cased, phone in E.164 with its "+");
 * event_id is the messageId, which TikTok uses to de-duplicate.
 */
export const TIKTOK_DEFAULT_MAPPING: Record<string, string> = {
  event: 'type == "page" ? "ViewContent" : event',
  event_time: 'unixSeconds(timestamp)',
  event_id: 'messageId',
  'user.email': 'sha256(lower(trim(coalesce(context.traits.email, traits.email, properties.email))))',
  'user.phone': 'sha256(e164(coalesce(context.traits.phone, traits.phone, properties.phone), "US"))',
  'user.external_id': 'sha256(coalesce(userId, anonymousId))',
  'user.ip': 'context.ip',
  'user.user_agent': 'context.userAgent',
  'user.locale': 'context.locale',
  'page.url': 'context.page.url',
  'page.referrer': 'context.page.referrer',
  'properties.value': 'coalesce(properties.revenue, properties.value, properties.total)',
  'properties.currency': 'properties.currency',
  'properties.order_id': 'properties.order_id',
};

export function resolveTikTokTarget(settings: TikTokSettings, credentials: Record<string, string>): TikTokTarget {
  const token = credentials['accessToken'];
  if (!token) throw new Error('tiktok credentials: the Secret has no accessToken key (an Events API access token)');
  return {
    trackUrl: trackUrl(settings.baseUrl ?? 'https://business-api.tiktok.com', settings.apiVersion ?? 'v1.3'),
    accessToken: token,
    eventSource: settings.eventSource ?? 'web',
    eventSourceId: settings.eventSourceId,
    ...(settings.testEventCode === undefined ? {} : { testEventCode: settings.testEventCode }),
  };
}

export const tiktok: DestinationType<TikTokSettings> = {
  type: 'tiktok',
  displayName: 'TikTok Conversions',
  description:
    'TikTok Events API 2.0: web, app, offline or CRM events, up to 1,000 per request, identifiers hashed by the default mapping; an event TikTok rejects is isolated and dead-lettered, the rest delivered.',
  settingsSchema: TikTokSettings,
  maxBatchSize: MAX_EVENTS_PER_REQUEST,
  defaultMapping: TIKTOK_DEFAULT_MAPPING,
  create(ctx: DestinationContext<TikTokSettings>) {
    const target = resolveTikTokTarget(ctx.settings, ctx.credentials);
    const secrets = Object.values(ctx.credentials).filter((s) => s.length > 0);
    const plan = (batch: readonly OutboundEvent[]): SplitPlan => {
      const rejected = rejectLocally(batch);
      return {
        protocol: { request: (positions) => tiktokRequest(target, positions.map((i) => batch[i]!)), classify: (res) => classifyTikTokResponse(res) },
        groups: chunkPositions(batch.length, MAX_EVENTS_PER_REQUEST, new Set(rejected.keys())),
        preset: new Map<number, SendResult>([...rejected].map(([i, error]) => [i, { ok: false, error }])),
      };
    };
    return splittingClient({ plan, secrets });
  },
};
