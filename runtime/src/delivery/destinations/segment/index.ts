import { Type, type Static } from '@sinclair/typebox';
import { plannedClient } from '../../batching/index.ts';
import type { DestinationContext, DestinationType } from '../../types.ts';
import { MAX_EVENTS, buildSegmentRequests, classifySegmentResponse, type SegmentTarget } from './request.ts';

/** Where each region's Tracking API lives (Segment's regional configuration). */
export const SEGMENT_ENDPOINTS = { us: 'https://api.segment.io', eu: 'https://events.eu1.segmentapis.com' } as const;

const BaseUrl = (what: string) =>
  Type.String({ description: `Base URL overriding the region (${what}); for proxies, tests and other Segment-compatible receivers.`, pattern: '^https?://[^\\s?#]+$', maxLength: 2048 });

export const SegmentSettings = Type.Object(
  {
    region: Type.Optional(
      Type.Union([Type.Literal('us'), Type.Literal('eu')], {
        description: 'Region of the Segment workspace: us (api.segment.io) or eu (events.eu1.segmentapis.com).',
        default: 'us',
      }),
    ),
    endpoint: Type.Optional(BaseUrl('/v1/batch is appended, e.g. the URL of another Sluice ingest')),
  },
  { additionalProperties: false },
);
export type SegmentSettings = Static<typeof SegmentSettings>;

export const WRITE_KEY = 'writeKey';

/** Reads the settings against the credentials; throws naming what is missing. */
export function resolveSegmentTarget(settings: SegmentSettings, credentials: Record<string, string>): SegmentTarget {
  const writeKey = credentials[WRITE_KEY];
  if (!writeKey) throw new Error(`segment settings: the credentials Secret needs a "${WRITE_KEY}" key holding the source's write key`);
  const base = settings.endpoint ?? SEGMENT_ENDPOINTS[settings.region ?? 'us'];
  return { url: `${base.replace(/\/+$/, '')}/v1/batch`, writeKey };
}

export const segment: DestinationType<SegmentSettings> = {
  type: 'segment',
  displayName: 'Segment',
  description:
    'Forwards events unchanged to a Segment workspace (or any Segment-compatible receiver) through the Tracking API\'s /v1/batch, ' +
    'so both can run side by side during a migration. Credentials Secret key: writeKey (the Segment source\'s write key).',
  settingsSchema: SegmentSettings,
  maxBatchSize: MAX_EVENTS,
  // No default mapping: the event goes as it is, every field included.
  create(ctx: DestinationContext<SegmentSettings>) {
    const target = resolveSegmentTarget(ctx.settings, ctx.credentials);
    const secrets = Object.values(ctx.credentials);
    return plannedClient({ build: (batch) => buildSegmentRequests(batch, target), classify: (res, req) => classifySegmentResponse(res, req, secrets), secrets });
  },
};
