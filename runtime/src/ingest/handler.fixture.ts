import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus, PublishResult, QuarantineInput } from '../bus/types.ts';
import type { SourceRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { createMetrics, type Metrics } from '../observe/metrics.ts';
import { ViolationSampler } from '../observe/violations.ts';
import { createIngest, type Ingest, type IngestOptions } from './index.ts';

/**
 * A test double of the Bus for the handler's unit tests only: records what the handler
 * hands over and can be made to fail or stall. Integration tests in test/ use the real bus.
 */
export class RecordingBus implements Pick<Bus, 'engine' | 'publish' | 'quarantine'> {
  readonly engine = 'embedded' as const;
  readonly published: { source: string; events: SegmentEvent[] }[] = [];
  readonly quarantined: { source: string; entries: QuarantineInput[] }[] = [];
  failWith: Error | undefined;
  /** When set, publish waits for it before storing. */
  gate: Promise<void> | undefined;
  readonly #seen = new Set<string>();

  async publish(source: string, events: SegmentEvent[]): Promise<PublishResult> {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    this.published.push({ source, events: structuredClone(events) });
    let duplicates = 0;
    for (const e of events) {
      const key = `${source}/${e.messageId}`;
      if (this.#seen.has(key)) duplicates++;
      this.#seen.add(key);
    }
    return { stored: events.length - duplicates, duplicates };
  }

  quarantine(source: string, entries: QuarantineInput[]): Promise<void> {
    if (this.failWith) return Promise.reject(this.failWith);
    this.quarantined.push({ source, entries: structuredClone(entries) });
    return Promise.resolve();
  }

  events(): SegmentEvent[] {
    return this.published.flatMap((p) => p.events);
  }
}

export interface Harness {
  url: string;
  bus: RecordingBus;
  ingest: Ingest;
  metrics: Metrics;
  sampler: ViolationSampler;
  close(): Promise<void>;
}

/** The ingest behind a real HTTP server on 127.0.0.1 and a free port. */
export async function startHarness(sources: SourceRuntime[], opts: Partial<IngestOptions> = {}): Promise<Harness> {
  const bus = new RecordingBus();
  const metrics = createMetrics({ defaultMetrics: false });
  const sampler = new ViolationSampler();
  const ingest = createIngest({ bus: bus as unknown as Bus, metrics, violations: sampler, sources, ...opts });
  const server: Server = createServer((req, res) => ingest.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bus,
    ingest,
    metrics,
    sampler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function source(name: string, keys: string[], spec: Partial<SourceRuntime['spec']> = {}, plan?: SourceRuntime['plan']): SourceRuntime {
  return {
    name,
    writeKeys: keys,
    spec: { writeKeys: keys.map((_, i) => ({ secretRef: { name: `${name}-key-${i}` } })), ...spec },
    ...(plan ? { plan } : {}),
  };
}

export const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** Value of a metric sample with exactly these labels (0 when absent). */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const all = await metrics.registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === name);
  const want = Object.entries(labels);
  const hit = m?.values.find((v) => want.every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val));
  return hit ? Number(hit.value) : 0;
}
