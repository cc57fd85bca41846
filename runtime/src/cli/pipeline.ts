import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbeddedBus } from '../bus/embedded.ts';
import type { Bus } from '../bus/types.ts';
import type { RuntimeConfig } from '../config.ts';
import { createDelivery, type Delivery } from '../delivery/index.ts';
import type { SegmentEvent } from '../event.ts';
import { createIngest, type Ingest } from '../ingest/index.ts';
import { createMetrics, type Metrics } from '../observe/metrics.ts';
import { ViolationSampler } from '../observe/violations.ts';
import { parseDuration } from '../util/duration.ts';
import { MAX_RECENT_EVENTS, type RecentEventsReader } from './server.ts';

const DEFAULT_RETENTION = '168h';

/** Everything `sluice run` holds in one process: bus, ingest, delivery, metrics. */
export interface Pipeline {
  readonly bus: Bus;
  readonly ingest: Ingest & RecentEventsReader;
  readonly delivery: Delivery;
  readonly metrics: Metrics;
  readonly violations: ViolationSampler;
  config: RuntimeConfig;
  apply(config: RuntimeConfig): Promise<void>;
  status(): Promise<PipelineStatus>;
  stop(): Promise<void>;
}

export interface PipelineStatus {
  sources: Record<string, unknown>;
  destinations: Record<string, unknown>;
  quarantine: Record<string, { count: number; recent: unknown[] }>;
  deadLetters: Record<string, { count: number; recent: unknown[] }>;
}

const LISTED = 1000;
const RECENT = 5;

export async function startPipeline(config: RuntimeConfig, opts: { dataDir: string; publicUrl?: string }): Promise<Pipeline> {
  mkdirSync(opts.dataDir, { recursive: true });
  const bus = await openEmbeddedBus({ path: join(opts.dataDir, 'bus.db') });
  const metrics = createMetrics();
  const violations = new ViolationSampler();
  await ensureSources(bus, config);
  const recent = new Map<string, SegmentEvent[]>();
  const ingest = {
    ...createIngest({ bus: keepingRecent(bus, recent), metrics, violations, sources: config.sources, ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}) }),
    async recentEvents(source: string, n: number, from: 'accepted' | 'quarantine') {
      if (!pipeline.config.sources.some((s) => s.name === source)) return undefined;
      if (from === 'quarantine') return (await bus.listQuarantine(source, { limit: n })).map(({ event, violations }) => ({ event, violations }));
      return (recent.get(source) ?? []).slice(-Math.min(n, MAX_RECENT_EVENTS)).reverse().map((event) => ({ event }));
    },
  };
  const delivery = createDelivery({ bus, metrics, destinations: config.destinations });
  await delivery.start();

  const pipeline: Pipeline = {
    bus,
    ingest,
    delivery,
    metrics,
    violations,
    config,
    async apply(next) {
      await ensureSources(bus, next);
      ingest.reload(next.sources);
      await delivery.reload(next.destinations);
      pipeline.config = next;
    },
    async status() {
      const ingestStats = ingest.stats();
      const sources: Record<string, unknown> = {};
      const quarantine: PipelineStatus['quarantine'] = {};
      for (const s of pipeline.config.sources) {
        sources[s.name] = { ...ingestStats[s.name], topViolations: violations.top(s.name, 10) };
        const q = await bus.listQuarantine(s.name, { limit: LISTED });
        quarantine[s.name] = { count: q.length, recent: q.slice(0, RECENT) };
      }
      const deadLetters: PipelineStatus['deadLetters'] = {};
      for (const d of pipeline.config.destinations) {
        const dl = await bus.listDeadLetters(d.name, { limit: LISTED });
        deadLetters[d.name] = { count: dl.length, recent: dl.slice(0, RECENT) };
      }
      return { sources, destinations: delivery.stats(), quarantine, deadLetters };
    },
    async stop() {
      await delivery.stop();
      await bus.close();
    },
  };
  return pipeline;
}

/**
 * The bus as the ingest sees it, remembering the last events each Source stored (in
 * memory, since this process started) for previews of what destinations would send.
 */
function keepingRecent(bus: Bus, recent: Map<string, SegmentEvent[]>): Bus {
  const publish: Bus['publish'] = async (source, events) => {
    const result = await bus.publish(source, events);
    let kept = recent.get(source);
    if (!kept) recent.set(source, (kept = []));
    for (let i = Math.max(0, events.length - MAX_RECENT_EVENTS); i < events.length; i++) kept.push(events[i]!);
    // Trimmed once it holds twice what is served, not on every publish: a copy per request is garbage on the hot path.
    if (kept.length > 2 * MAX_RECENT_EVENTS) kept.splice(0, kept.length - MAX_RECENT_EVENTS);
    return result;
  };
  return new Proxy(bus, {
    get: (target, key) => {
      if (key === 'publish') return publish;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function ensureSources(bus: Bus, config: RuntimeConfig): Promise<void> {
  for (const s of config.sources) {
    await bus.ensureSource(s.name, { retentionMs: parseDuration(s.spec.retention ?? DEFAULT_RETENTION) });
  }
}
