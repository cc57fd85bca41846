import { Type, type Static } from '@sinclair/typebox';
import { plannedClient, wholeRequest } from '../../batching/index.ts';
import type { DestinationContext, DestinationType } from '../../types.ts';
import { MAX_EVENTS, buildGa4Requests, type Ga4Target } from './request.ts';

/** Collection hosts: global, and the one that keeps collection in the EU. */
export const GA4_ENDPOINTS = { global: 'https://www.google-analytics.com', eu: 'https://region1.google-analytics.com' } as const;

export const Ga4Settings = Type.Object(
  {
    measurementId: Type.Optional(
      Type.String({ description: 'Measurement ID of a web data stream (G-XXXXXXX); set this or firebaseAppId.', pattern: '^G-[A-Z0-9]+$', maxLength: 64 }),
    ),
    firebaseAppId: Type.Optional(
      Type.String({ description: 'Firebase App ID of an app data stream; events then need app_instance_id instead of client_id.', pattern: '^[0-9]+:[0-9]+:[a-z]+:[0-9a-f]+$', maxLength: 128 }),
    ),
    region: Type.Optional(
      Type.Union([Type.Literal('global'), Type.Literal('eu')], {
        description: 'global (www.google-analytics.com) or eu (region1.google-analytics.com, collection in the EU).',
        default: 'global',
      }),
    ),
    endpoint: Type.Optional(
      Type.String({ description: 'Base URL overriding the region (/mp/collect is appended); for proxies and tests.', pattern: '^https?://[^\\s?#]+$', maxLength: 2048 }),
    ),
  },
  { additionalProperties: false },
);
export type Ga4Settings = Static<typeof Ga4Settings>;

export const API_SECRET = 'apiSecret';

export function resolveGa4Target(settings: Ga4Settings, credentials: Record<string, string>): Ga4Target {
  const secret = credentials[API_SECRET];
  const problems: string[] = [];
  if (!secret) problems.push(`the credentials Secret needs an "${API_SECRET}" key holding a Measurement Protocol API secret`);
  if ((settings.measurementId === undefined) === (settings.firebaseAppId === undefined)) problems.push('set exactly one of measurementId (web stream) and firebaseAppId (app stream)');
  if (problems.length > 0) throw new Error(`ga4 settings: ${problems.join('; ')}`);
  const base = (settings.endpoint ?? GA4_ENDPOINTS[settings.region ?? 'global']).replace(/\/+$/, '');
  const stream = settings.measurementId !== undefined ? ('web' as const) : ('app' as const);
  const query = new URLSearchParams(stream === 'web' ? { measurement_id: settings.measurementId! } : { firebase_app_id: settings.firebaseAppId! });
  query.set('api_secret', secret!);
  return { url: `${base}/mp/collect?${query.toString()}`, stream };
}

/** Segment spec events → GA4 recommended events. */
export const GA4_EVENT_NAMES: Record<string, string> = {
  'Products Searched': 'search',
  'Product List Viewed': 'view_item_list',
  'Product Clicked': 'select_item',
  'Product Viewed': 'view_item',
  'Product Added': 'add_to_cart',
  'Product Removed': 'remove_from_cart',
  'Cart Viewed': 'view_cart',
  'Product Added to Wishlist': 'add_to_wishlist',
  'Product Shared': 'share',
  'Checkout Started': 'begin_checkout',
  'Payment Info Entered': 'add_payment_info',
  'Order Completed': 'purchase',
  'Order Refunded': 'refund',
  'Promotion Viewed': 'view_promotion',
  'Promotion Clicked': 'select_promotion',
  'Signed Up': 'sign_up',
  'Signed In': 'login',
};

/** Only track, page and screen calls are events; identify, group and alias map to nothing and are skipped. */
const when = (expr: string) => `type in ["track", "page", "screen"] ? dyn(${expr}) : null`;
const names = JSON.stringify(GA4_EVENT_NAMES);

/**
 * Segment's spec onto Measurement Protocol events: spec e-commerce and account events
 * take GA4's recommended names, other track events their name in snake case; page and
 * screen calls are page_view and screen_view. The anonymousId is the client_id.
 */
export const GA4_DEFAULT_MAPPING: Record<string, string> = {
  client_id: when('coalesce(anonymousId, userId)'),
  user_id: when('userId'),
  name: when(`type == "track" ? (event in ${names} ? ${names}[event] : replace(lower(trim(event)), " ", "_")) : type == "page" ? "page_view" : "screen_view"`),
  params: when('properties'),
  'params.page_location': when('coalesce(context.page.url, properties.url)'),
  'params.page_title': when('coalesce(context.page.title, properties.title)'),
  'params.page_referrer': when('coalesce(context.page.referrer, properties.referrer)'),
  timestamp_micros: when('unixMillis(timestamp) * 1000'),
  ip_override: when('context.ip'),
};

export const ga4: DestinationType<Ga4Settings> = {
  type: 'ga4',
  displayName: 'Google Analytics 4',
  description:
    'Sends track, page and screen events to Google Analytics 4 through the Measurement Protocol (/mp/collect, 25 events per request). ' +
    'GA4 answers 2xx even to events it drops, so events it documents as dropped (bad or reserved names, no client id, over 72 hours old) ' +
    'are dead-lettered with the reason instead. Credentials Secret key: apiSecret (a Measurement Protocol API secret).',
  settingsSchema: Ga4Settings,
  maxBatchSize: MAX_EVENTS,
  defaultMapping: GA4_DEFAULT_MAPPING,
  create(ctx: DestinationContext<Ga4Settings>) {
    const target = resolveGa4Target(ctx.settings, ctx.credentials);
    // The API secret travels in the query string, where it may appear percent-encoded.
    const secrets = Object.values(ctx.credentials).flatMap((v) => [...new Set([v, new URLSearchParams({ v }).toString().slice(2)])]);
    return plannedClient({ build: (batch) => buildGa4Requests(batch, target), classify: wholeRequest(secrets), secrets });
  },
};
