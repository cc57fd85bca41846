import { destination, pipeline, trackingPlan, type ManifestDoc } from '../support/manifests.ts';

const CURRENCY = { type: 'string', pattern: '^[A-Z]{3}$' };

/**
 * Two sources on one plan: `bench` takes the ingest phases and has no destination, so they
 * measure ingest alone; `drain` feeds the webhook of the delivery phase. The generated
 * events all pass the plan, so the figures are for validation without violations.
 */
export function manifests(receiverUrl: string): ManifestDoc[] {
  const plan = trackingPlan('bench-plan', {
    unplannedEvents: 'allow',
    unplannedProperties: 'allow',
    onViolation: 'block',
    events: [
      {
        name: 'Product Viewed',
        properties: { type: 'object', required: ['product_id'], properties: { product_id: { type: 'string' }, price: { type: 'number', minimum: 0 }, currency: CURRENCY, category: { type: 'string' } } },
      },
      {
        name: 'Order Completed',
        properties: {
          type: 'object',
          required: ['order_id', 'revenue'],
          properties: { order_id: { type: 'string' }, revenue: { type: 'number' }, currency: CURRENCY, products: { type: 'array', items: { type: 'object', required: ['product_id'] } } },
        },
      },
      { name: 'Checkout Started', properties: { type: 'object', required: ['cart_id'], properties: { cart_id: { type: 'string' }, value: { type: 'number' }, currency: CURRENCY } } },
      { name: 'Signed Up', properties: { type: 'object', properties: { method: { type: 'string', enum: ['email', 'google', 'apple'] }, plan: { type: 'string' } } } },
    ],
  });
  const source = { trackingPlanRef: { name: 'bench-plan' } };
  return [
    plan,
    ...pipeline({ name: 'bench', writeKey: 'bench-key', source }),
    ...pipeline({ name: 'drain', writeKey: 'drain-key', source }),
    destination('drain-hook', {
      sources: [{ name: 'drain' }],
      type: 'webhook',
      settings: { url: receiverUrl, batch: true },
      // Answers are held during the preload, so a request may wait as long as it lasts.
      delivery: { batchSize: 100, maxInFlight: 8, timeout: '120s', maxAge: '1h', backoff: { initial: '100ms', max: '1s' } },
    }),
  ];
}
