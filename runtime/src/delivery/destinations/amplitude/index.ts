import { Type, type Static } from '@sinclair/typebox';
import { plannedClient } from '../../batching/index.ts';
import type { DestinationContext, DestinationType } from '../../types.ts';
import { LIMITS, buildAmplitudeRequests, type AmplitudeTarget } from './request.ts';
import { classifyAmplitudeResponse } from './response.ts';

/** Event ingestion hosts per data residency. */
export const AMPLITUDE_ENDPOINTS = { us: 'https://api2.amplitude.com', eu: 'https://api.eu.amplitude.com' } as const;
const PATHS = { http: '/2/httpapi', batch: '/batch' } as const;

export const AmplitudeSettings = Type.Object(
  {
    region: Type.Optional(
      Type.Union([Type.Literal('us'), Type.Literal('eu')], { description: 'Data residency of the Amplitude project: us (api2.amplitude.com) or eu (api.eu.amplitude.com).', default: 'us' }),
    ),
    api: Type.Optional(
      Type.Union([Type.Literal('http'), Type.Literal('batch')], {
        description:
          'http: the HTTP V2 API (/2/httpapi, near real time, 1 MB per request, throttles a user or device above 30 events/s); ' +
          'batch: the Batch Event Upload API (/batch, 20 MB per request, 1,000 events/s per user or device) for backfills and heavy users.',
        default: 'http',
      }),
    ),
    endpoint: Type.Optional(
      Type.String({ description: 'Base URL overriding the region (the API path is appended); for proxies and tests.', pattern: '^https?://[^\\s?#]+$', maxLength: 2048 }),
    ),
    minIdLength: Type.Optional(
      Type.Integer({ description: 'Shortest user_id/device_id Amplitude accepts (its default is 5); sent as options.min_id_length.', minimum: 1, maximum: 1024 }),
    ),
  },
  { additionalProperties: false },
);
export type AmplitudeSettings = Static<typeof AmplitudeSettings>;

export const API_KEY = 'apiKey';

export function resolveAmplitudeTarget(settings: AmplitudeSettings, credentials: Record<string, string>): AmplitudeTarget {
  const apiKey = credentials[API_KEY];
  if (!apiKey) throw new Error(`amplitude settings: the credentials Secret needs an "${API_KEY}" key holding the project's API key`);
  const api = settings.api ?? 'http';
  const base = (settings.endpoint ?? AMPLITUDE_ENDPOINTS[settings.region ?? 'us']).replace(/\/+$/, '');
  return { api, url: `${base}${PATHS[api]}`, apiKey, ...(settings.minIdLength === undefined ? {} : { minIdLength: settings.minIdLength }) };
}

/**
 * Segment's spec onto Amplitude's event fields. Page and screen calls become "Loaded a
 * Page" / "Loaded a Screen" and identify calls "$identify" (their traits set as user
 * properties), as Segment's own Amplitude destination does.
 */
export const AMPLITUDE_DEFAULT_MAPPING: Record<string, string> = {
  event_type:
    'type == "track" ? event : type == "identify" ? "$identify" : type == "page" ? "Loaded a Page" : type == "screen" ? "Loaded a Screen" : type',
  user_id: 'userId',
  device_id: 'coalesce(context.device.id, anonymousId)',
  time: 'unixMillis(timestamp)',
  insert_id: 'messageId',
  event_properties: 'properties',
  user_properties: 'type == "identify" ? traits : context.traits',
  ip: 'context.ip',
  language: 'context.locale',
  app_version: 'context.app.version',
  os_name: 'context.os.name',
  os_version: 'context.os.version',
  device_manufacturer: 'context.device.manufacturer',
  device_model: 'context.device.model',
  carrier: 'context.network.carrier',
  country: 'context.location.country',
  city: 'context.location.city',
  region: 'context.location.region',
  location_lat: 'context.location.latitude',
  location_lng: 'context.location.longitude',
  revenue: 'properties.revenue',
  price: 'properties.price',
  quantity: 'properties.quantity',
  productId: 'properties.product_id',
};

export const amplitude: DestinationType<AmplitudeSettings> = {
  type: 'amplitude',
  displayName: 'Amplitude',
  description:
    'Sends events to Amplitude through the HTTP V2 API or the Batch Event Upload API; a partly rejected request dead-letters or ' +
    'defers only the events Amplitude names. Credentials Secret key: apiKey (the project\'s API key).',
  settingsSchema: AmplitudeSettings,
  maxBatchSize: LIMITS.http.maxEvents,
  defaultMapping: AMPLITUDE_DEFAULT_MAPPING,
  create(ctx: DestinationContext<AmplitudeSettings>) {
    const target = resolveAmplitudeTarget(ctx.settings, ctx.credentials);
    const secrets = Object.values(ctx.credentials);
    return plannedClient({
      build: (batch) => buildAmplitudeRequests(batch, target),
      classify: (res, req) => classifyAmplitudeResponse(res, req, { api: target.api, secrets }),
      secrets,
    });
  },
};
