import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedBus, type EmbeddedBus } from '../bus/embedded.ts';
import type { DestinationRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { createMetrics, type Metrics } from '../observe/metrics.ts';
import { createDelivery, type Delivery, type DeliveryOptions } from './engine.ts';

/** Test and benchmark scaffolding: a real embedded bus in a temp dir and a delivery engine on it. */
export interface Rig {
  bus: EmbeddedBus;
  metrics: Metrics;
  delivery: Delivery;
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startRig(
  destinations: DestinationRuntime[],
  opts: { sources?: string[]; delivery?: Partial<DeliveryOptions>; start?: boolean } = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-delivery-'));
  const bus = await openEmbeddedBus({ path: join(dir, 'bus.db') });
  for (const s of opts.sources ?? ['web']) await bus.ensureSource(s, { retentionMs: 3_600_000 });
  const metrics = createMetrics({ defaultMetrics: false });
  const logs: Array<Record<string, unknown>> = [];
  const delivery = createDelivery({
    bus,
    metrics,
    destinations,
    log: (e) => logs.push(e),
    fetchWaitMs: 50,
    lagIntervalMs: 100,
    ...opts.delivery,
  });
  if (opts.start !== false) await delivery.start();
  return {
    bus,
    metrics,
    delivery,
    logs,
    async close() {
      await delivery.stop();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

/** `n` track events with unique messageIds (prefix-0, prefix-1, …). */
export function trackEvents(n: number, prefix = `e${++counter}`, extra: Partial<SegmentEvent> = {}): SegmentEvent[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => ({
    type: 'track' as const,
    event: 'Order Completed',
    messageId: `${prefix}-${i}`,
    userId: `user-${i % 10}`,
    properties: { order_id: `o-${i}`, revenue: 10 + i },
    timestamp: at,
    receivedAt: at,
    ...extra,
  }));
}

export function webhookDestination(name: string, url: string, over: Partial<DestinationRuntime['spec']> = {}, credentials: Record<string, string> = {}): DestinationRuntime {
  return {
    name,
    credentials,
    spec: {
      sources: [{ name: 'web' }],
      type: 'webhook',
      settings: { url, batch: true },
      delivery: { batchSize: 100, maxInFlight: 4, timeout: '2s', maxAge: '1m', backoff: { initial: '20ms', max: '100ms' } },
      startFrom: '1h',
      ...over,
    },
  };
}
