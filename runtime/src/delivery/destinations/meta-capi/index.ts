import { Type, type Static } from '@sinclair/typebox';
import { chunkPositions, splittingClient, type SplitPlan } from '../../batching/index.ts';
import type { DestinationContext, DestinationType, OutboundEvent, SendResult } from '../../types.ts';
import { MAX_EVENTS_PER_REQUEST, appSecretProof, eventsUrl, metaRequest, rejectLocally, type MetaTarget } from './request.ts';
import { classifyMetaResponse } from './response.ts';

export const MetaCapiSettings = Type.Object(
  {
    pixelId: Type.String({ description: 'The Meta dataset (pixel) id the events are sent to.', pattern: '^[0-9]{1,32}$' }),
    apiVersion: Type.Optional(Type.String({ description: 'Graph API version.', pattern: '^v[0-9]{1,3}[.][0-9]{1,2}$', default: 'v24.0' })),
    baseUrl: Type.Optional(
      Type.String({
        description: 'Graph API address; change it only to go through a proxy or to test against a local server.',
        pattern: '^https?://[^\\s?#]+$',
        maxLength: 2048,
        default: 'https://graph.facebook.com',
      }),
    ),
    testEventCode: Type.Optional(
      Type.String({ description: "Sends the events as test events (Events Manager's Test events tab), not used for ads.", minLength: 1, maxLength: 64 }),
    ),
  },
  {
    additionalProperties: false,
    description: 'Credentials Secret keys: accessToken (a Conversions API access token, required), appSecret (optional; adds appsecret_proof).',
  },
);
export type MetaCapiSettings = Static<typeof MetaCapiSettings>;

/**
 * A server event per Segment event, in Meta's parameter names. Identifiers are normalised
 * and hashed as Meta requires (e-mail trimmed and lower-cased, phone as digits with the
 * country code); event_id is the messageId so Meta de-duplicates retries and pixel events.
 */
export const META_DEFAULT_MAPPING: Record<string, string> = {
  event_name: 'type == "page" ? "PageView" : event',
  event_time: 'unixSeconds(timestamp)',
  event_id: 'messageId',
  action_source: '"website"',
  event_source_url: 'context.page.url',
  'user_data.em': 'sha256(lower(trim(coalesce(context.traits.email, traits.email, properties.email))))',
  'user_data.ph': 'sha256(replace(e164(coalesce(context.traits.phone, traits.phone, properties.phone), "US"), "+", ""))',
  'user_data.external_id': 'sha256(coalesce(userId, anonymousId))',
  'user_data.client_ip_address': 'context.ip',
  'user_data.client_user_agent': 'context.userAgent',
  'custom_data.value': 'coalesce(properties.revenue, properties.value, properties.total)',
  'custom_data.currency': 'properties.currency',
  'custom_data.order_id': 'properties.order_id',
};

export function resolveMetaTarget(settings: MetaCapiSettings, credentials: Record<string, string>): MetaTarget {
  const token = credentials['accessToken'];
  if (!token) throw new Error('meta-capi credentials: the Secret has no accessToken key (a Conversions API access token)');
  const appSecret = credentials['appSecret'];
  return {
    eventsUrl: eventsUrl(settings.baseUrl ?? 'https://graph.facebook.com', settings.apiVersion ?? 'v24.0', settings.pixelId),
    accessToken: token,
    ...(appSecret ? { appSecretProof: appSecretProof(token, appSecret) } : {}),
    ...(settings.testEventCode === undefined ? {} : { testEventCode: settings.testEventCode }),
  };
}

export const metaCapi: DestinationType<MetaCapiSettings> = {
  type: 'meta-capi',
  displayName: 'Facebook Conversions API (Actions)',
  description:
    'Meta Conversions API: server events to a pixel (dataset), up to 1,000 per request, identifiers hashed by the default mapping; an event Meta rejects is isolated and dead-lettered, the rest delivered.',
  settingsSchema: MetaCapiSettings,
  maxBatchSize: MAX_EVENTS_PER_REQUEST,
  defaultMapping: META_DEFAULT_MAPPING,
  create(ctx: DestinationContext<MetaCapiSettings>) {
    const target = resolveMetaTarget(ctx.settings, ctx.credentials);
    // The token travels in the query string, so its URL-encoded form is a secret too.
    const secrets = [...Object.values(ctx.credentials), encodeURIComponent(target.accessToken), target.appSecretProof ?? ''].filter((s) => s.length > 0);
    const plan = (batch: readonly OutboundEvent[]): SplitPlan => {
      const rejected = rejectLocally(batch, Date.now());
      return {
        protocol: { request: (positions) => metaRequest(target, positions.map((i) => batch[i]!)), classify: (res) => classifyMetaResponse(res) },
        groups: chunkPositions(batch.length, MAX_EVENTS_PER_REQUEST, new Set(rejected.keys())),
        preset: new Map<number, SendResult>([...rejected].map(([i, error]) => [i, { ok: false, error }])),
      };
    };
    return splittingClient({ plan, secrets });
  },
};
