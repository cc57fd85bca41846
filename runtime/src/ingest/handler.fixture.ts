import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEmbeddedBus, type EmbeddedBus } from '../bus/embedded.ts';
import type { Bus, PublishResult, QuarantineEntry, QuarantineInput } from '../bus/types.ts';
import type { SourceRuntime } from '../config.ts';
import type { SegmentEvent } from '../event.ts';
import { createMetrics, type Metrics } from '../observe/metrics.ts';
import { ViolationSampler } from '../observe/violations.ts';
import { createIngest, type Ingest, type IngestOptions } from './index.ts';

/**
 * The real embedded bus with faults injected on demand, for the handler's tests of what it
 * answers when storing fails or is slow. Everything else goes to the real bus.
 */
export class FaultInjectingBus {
  readonly real: EmbeddedBus;
  /** When set, publish and quarantine fail with it. */
  failWith: Error | undefined;
  /** When set, publish waits for it before storing. */
  gate: Promise<void> | undefined;

  constructor(real: EmbeddedBus) {
    this.real = real;
  }

  asBus(): Bus {
    return new Proxy(this.real, {
      get: (target, prop, receiver) => {
        if (prop === 'publish') return (s: string, e: SegmentEvent[]) => this.#publish(s, e);
        if (prop === 'quarantine') return (s: string, q: QuarantineInput[]) => (this.failWith ? Promise.reject(this.failWith) : target.quarantine(s, q));
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  async #publish(source: string, events: SegmentEvent[]): Promise<PublishResult> {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    return this.real.publish(source, events);
  }
}

export interface Harness {
  url: string;
  bus: FaultInjectingBus;
  ingest: Ingest;
  metrics: Metrics;
  sampler: ViolationSampler;
  /** Forgets what was stored so far: events() and quarantined() report only what comes after. */
  mark(): Promise<void>;
  /** Events the bus stored for a Source since the last mark(), in order. */
  events(source?: string): Promise<SegmentEvent[]>;
  quarantined(source?: string): Promise<QuarantineEntry[]>;
  /** Ensures the Sources on the bus (as `sluice run` does), then reloads the ingest. */
  reload(sources: SourceRuntime[]): Promise<void>;
  close(): Promise<void>;
}

/** The ingest behind a real HTTP server on 127.0.0.1 and a free port, on a fresh embedded bus. */
export async function startHarness(sources: SourceRuntime[], opts: Partial<IngestOptions> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-ingest-'));
  const real = await openEmbeddedBus({ path: join(dir, 'bus.db') });
  const bus = new FaultInjectingBus(real);
  const known = new Set<string>();
  const ensure = async (list: SourceRuntime[]) => {
    for (const s of list) {
      await real.ensureSource(s.name, { retentionMs: 3_600_000 });
      known.add(s.name);
    }
  };
  await ensure(sources);
  const metrics = createMetrics({ defaultMetrics: false });
  const sampler = new ViolationSampler();
  const ingest = createIngest({ bus: bus.asBus(), metrics, violations: sampler, sources, ...opts });
  const server: Server = createServer((req, res) => ingest.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let reads = 0;
  const seen = new Map<string, number>();
  const seenQ = new Map<string, number>();
  const all = async (source: string): Promise<SegmentEvent[]> => {
    // A new consumer from the beginning each time: reading must not change what later reads see.
    const sub = await real.subscribe(`inspect-${++reads}`, source, { startFrom: { kind: 'time', time: new Date(0) }, ackWaitMs: 60_000 });
    const got = await sub.fetch(10_000, 0);
    await sub.close();
    return got.map((d) => d.event);
  };
  const allQ = async (source: string) => (await real.listQuarantine(source, { limit: 10_000 })).slice().sort((a, b) => a.at - b.at);
  const firstSource = sources[0]?.name ?? '';
  return {
    url: `http://127.0.0.1:${port}`,
    bus,
    ingest,
    metrics,
    sampler,
    async mark() {
      for (const s of known) {
        seen.set(s, (await all(s)).length);
        seenQ.set(s, (await allQ(s)).length);
      }
    },
    async events(source = firstSource) {
      return (await all(source)).slice(seen.get(source) ?? 0);
    },
    async quarantined(source = firstSource) {
      return (await allQ(source)).slice(seenQ.get(source) ?? 0);
    },
    async reload(next) {
      await ensure(next);
      ingest.reload(next);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await real.close();
      rmSync(dir, { recursive: true, force: true });
    },
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
