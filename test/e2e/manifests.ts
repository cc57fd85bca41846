// The objects the end-to-end scenarios apply with kubectl: a Source with its write-key
// Secret, an optional TrackingPlan, and webhook Destinations pointing at a local receiver.
import type { DestinationSpec, SourceSpec, TrackingPlanSpec } from '../../operator/src/api/index.ts';

const API_VERSION = 'sluice.dev/v1alpha1';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [k: string]: unknown };

/** Retries fast enough for a test to watch an outage end, slow enough not to spin. */
export const E2E_DELIVERY = {
  batchSize: 100,
  maxInFlight: 4,
  timeout: '5s',
  maxAge: '30m',
  backoff: { initial: '100ms', max: '1s' },
} satisfies NonNullable<DestinationSpec['delivery']>;

export function sourceWithKey(name: string, writeKey: string, spec: Partial<SourceSpec> = {}): Manifest[] {
  const secret = `${name}-write-key`;
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: secret }, type: 'Opaque', stringData: { writeKey } },
    {
      apiVersion: API_VERSION,
      kind: 'Source',
      metadata: { name },
      spec: { writeKeys: [{ secretRef: { name: secret, key: 'writeKey' } }], replicas: 1, ...spec } satisfies SourceSpec,
    },
  ];
}

export function webhookDestination(name: string, sources: string[], url: string, spec: Partial<DestinationSpec> = {}): Manifest {
  return {
    apiVersion: API_VERSION,
    kind: 'Destination',
    metadata: { name },
    spec: {
      sources: sources.map((s) => ({ name: s })),
      type: 'webhook',
      settings: { url, batch: true },
      delivery: E2E_DELIVERY,
      replicas: 1,
      ...spec,
    } satisfies DestinationSpec,
  };
}

export function trackingPlan(name: string, spec: TrackingPlanSpec): Manifest {
  return { apiVersion: API_VERSION, kind: 'TrackingPlan', metadata: { name }, spec };
}

/** A small storefront plan: two planned events, whatever the policies. */
export function storePlan(policies: Pick<TrackingPlanSpec, 'unplannedEvents' | 'unplannedProperties' | 'onViolation'>): TrackingPlanSpec {
  return {
    ...policies,
    events: [
      {
        name: 'Order Completed',
        description: 'A purchase finished.',
        properties: {
          type: 'object',
          required: ['order_id', 'revenue'],
          properties: { order_id: { type: 'string' }, revenue: { type: 'number' } },
        },
      },
      {
        name: 'Product Viewed',
        description: 'A shopper opened a product page.',
        properties: { type: 'object', required: ['product_id'], properties: { product_id: { type: 'string' } } },
      },
    ],
  };
}
