import { Type, type Static } from '@sinclair/typebox';
import { plannedClient } from '../../batching/index.ts';
import type { DestinationContext, DestinationType } from '../../types.ts';
import { MAX_EVENTS, buildMixpanelRequests, type MixpanelTarget } from './request.ts';
import { classifyMixpanelResponse } from './response.ts';

/** Ingestion hosts per data residency. */
export const MIXPANEL_ENDPOINTS = { us: 'https://api.mixpanel.com', eu: 'https://api-eu.mixpanel.com', in: 'https://api-in.mixpanel.com' } as const;

export const MixpanelSettings = Type.Object(
  {
    region: Type.Optional(
      Type.Union([Type.Literal('us'), Type.Literal('eu'), Type.Literal('in')], {
        description: 'Data residency of the Mixpanel project: us (api.mixpanel.com), eu (api-eu.mixpanel.com) or in (api-in.mixpanel.com).',
        default: 'us',
      }),
    ),
    projectId: Type.Optional(
      Type.String({ description: 'The Mixpanel project id; required when authenticating with a service account.', pattern: '^[0-9]+$', maxLength: 32 }),
    ),
    endpoint: Type.Optional(
      Type.String({ description: 'Base URL overriding the region (/import is appended); for proxies and tests.', pattern: '^https?://[^\\s?#]+$', maxLength: 2048 }),
    ),
  },
  { additionalProperties: false },
);
export type MixpanelSettings = Static<typeof MixpanelSettings>;

/** Credentials Secret keys: a service account (preferred by Mixpanel), or the project token. */
export const SERVICE_ACCOUNT_USERNAME = 'serviceAccountUsername';
export const SERVICE_ACCOUNT_SECRET = 'serviceAccountSecret';
export const PROJECT_TOKEN = 'projectToken';

export function resolveMixpanelTarget(settings: MixpanelSettings, credentials: Record<string, string>): MixpanelTarget {
  const base = (settings.endpoint ?? MIXPANEL_ENDPOINTS[settings.region ?? 'us']).replace(/\/+$/, '');
  const query = settings.projectId === undefined ? 'strict=1' : `strict=1&project_id=${settings.projectId}`;
  const user = credentials[SERVICE_ACCOUNT_USERNAME];
  const secret = credentials[SERVICE_ACCOUNT_SECRET];
  const token = credentials[PROJECT_TOKEN];
  let pair: string;
  if (user && secret) {
    if (settings.projectId === undefined) throw new Error('mixpanel settings: projectId is required with a service account');
    pair = `${user}:${secret}`;
  } else if (token) {
    pair = `${token}:`;
  } else {
    throw new Error(
      `mixpanel settings: the credentials Secret needs "${SERVICE_ACCOUNT_USERNAME}" and "${SERVICE_ACCOUNT_SECRET}" (a service account), or "${PROJECT_TOKEN}"`,
    );
  }
  return { url: `${base}/import?${query}`, authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

/** Only track, page and screen calls are events; identify, group and alias map to nothing and are skipped. */
const when = (expr: string) => `type in ["track", "page", "screen"] ? dyn(${expr}) : null`;

/**
 * Segment's spec onto /import events: the event name (page and screen calls as "Loaded a
 * Page" / "Loaded a Screen"), its properties, and Mixpanel's required and reserved ones.
 */
export const MIXPANEL_DEFAULT_MAPPING: Record<string, string> = {
  event: when('type == "track" ? event : type == "page" ? "Loaded a Page" : "Loaded a Screen"'),
  properties: when('properties'),
  'properties.time': when('unixMillis(timestamp)'),
  'properties.distinct_id': when('default(coalesce(userId, anonymousId), "")'),
  'properties.$insert_id': when('messageId'),
  'properties.$user_id': when('userId'),
  'properties.$device_id': when('anonymousId'),
  'properties.ip': when('context.ip'),
  'properties.$current_url': when('context.page.url'),
  'properties.$referrer': when('context.page.referrer'),
  'properties.$os': when('context.os.name'),
  'properties.$app_version_string': when('context.app.version'),
  'properties.$manufacturer': when('context.device.manufacturer'),
  'properties.$model': when('context.device.model'),
};

export const mixpanel: DestinationType<MixpanelSettings> = {
  type: 'mixpanel',
  displayName: 'Mixpanel',
  description:
    'Sends track, page and screen events to Mixpanel\'s Import API (/import, strict validation, 2,000 events per request); events ' +
    'Mixpanel rejects are dead-lettered one by one while the rest of the request is delivered. Credentials Secret keys: ' +
    'serviceAccountUsername and serviceAccountSecret (with settings.projectId), or projectToken.',
  settingsSchema: MixpanelSettings,
  maxBatchSize: MAX_EVENTS,
  defaultMapping: MIXPANEL_DEFAULT_MAPPING,
  create(ctx: DestinationContext<MixpanelSettings>) {
    const target = resolveMixpanelTarget(ctx.settings, ctx.credentials);
    const secrets = Object.values(ctx.credentials);
    return plannedClient({ build: (batch) => buildMixpanelRequests(batch, target), classify: (res, req) => classifyMixpanelResponse(res, req, secrets), secrets });
  },
};
