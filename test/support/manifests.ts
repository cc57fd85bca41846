import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DestinationSpec, SourceSpec, TrackingPlanSpec } from '../../operator/src/api/index.ts';

const API_VERSION = 'sluice.dev/v1alpha1';

export interface ManifestDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [field: string]: unknown;
}

/**
 * Writes manifests as YAML, one multi-document file per kind (the way people lay out a
 * repo), and returns the directory.
 */
export function writeManifests(dir: string, docs: ManifestDoc[]): string {
  mkdirSync(dir, { recursive: true });
  const byKind = new Map<string, ManifestDoc[]>();
  for (const d of docs) byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), d]);
  for (const [kind, list] of byKind) {
    const text = list.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
    writeFileSync(join(dir, `${kind.toLowerCase()}s.yaml`), text);
  }
  return dir;
}

export function secret(name: string, stringData: Record<string, string>): ManifestDoc {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'Opaque', stringData };
}

export function source(name: string, spec: SourceSpec): ManifestDoc {
  return { apiVersion: API_VERSION, kind: 'Source', metadata: { name }, spec };
}

export function destination(name: string, spec: DestinationSpec): ManifestDoc {
  return { apiVersion: API_VERSION, kind: 'Destination', metadata: { name }, spec };
}

export function trackingPlan(name: string, spec: TrackingPlanSpec): ManifestDoc {
  return { apiVersion: API_VERSION, kind: 'TrackingPlan', metadata: { name }, spec };
}

/** Delivery settings that make retries quick enough for tests. */
export const FAST_DELIVERY = {
  batchSize: 100,
  maxInFlight: 4,
  timeout: '5s',
  maxAge: '10m',
  backoff: { initial: '50ms', max: '300ms' },
} satisfies NonNullable<DestinationSpec['delivery']>;

export interface PipelineOptions {
  /** Source name; also names its Secret (`<name>-write-key`). */
  name?: string;
  writeKey: string;
  /** Webhook URL; omit for a pipeline without destination. */
  webhookUrl?: string;
  plan?: TrackingPlanSpec;
  source?: Partial<SourceSpec>;
  destination?: Partial<DestinationSpec>;
  /** Settings merged into the webhook settings. */
  webhook?: Record<string, unknown>;
}

/** A Source (with its write-key Secret), an optional plan, and an optional webhook Destination. */
export function pipeline(opts: PipelineOptions): ManifestDoc[] {
  const name = opts.name ?? 'web';
  const docs: ManifestDoc[] = [secret(`${name}-write-key`, { writeKey: opts.writeKey })];
  if (opts.plan) docs.push(trackingPlan(`${name}-plan`, opts.plan));
  docs.push(
    source(name, {
      writeKeys: [{ secretRef: { name: `${name}-write-key`, key: 'writeKey' } }],
      ...(opts.plan ? { trackingPlanRef: { name: `${name}-plan` } } : {}),
      ...opts.source,
    }),
  );
  if (opts.webhookUrl) {
    docs.push(
      destination(`${name}-hook`, {
        sources: [{ name }],
        type: 'webhook',
        settings: { url: opts.webhookUrl, batch: true, ...opts.webhook },
        delivery: FAST_DELIVERY,
        ...opts.destination,
      }),
    );
  }
  return docs;
}

/** A small e-commerce plan: two planned events with required, typed properties. */
export const STORE_PLAN: TrackingPlanSpec = {
  unplannedEvents: 'allow',
  unplannedProperties: 'allow',
  onViolation: 'block',
  events: [
    {
      name: 'Order Completed',
      properties: {
        type: 'object',
        required: ['order_id', 'revenue'],
        properties: { order_id: { type: 'string' }, revenue: { type: 'number', minimum: 0 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
      },
    },
    {
      name: 'Product Viewed',
      properties: { type: 'object', required: ['product_id'], properties: { product_id: { type: 'string' }, price: { type: 'number' } } },
    },
  ],
  identify: { traits: { type: 'object', properties: { email: { type: 'string', format: 'email' } } } },
};
