import type { Bus } from '../bus/types.ts';
import type { RuntimeConfig } from '../config.ts';
import { createIngest, type Ingest } from '../ingest/index.ts';
import { sourceBody, sourceHints, type PodStats } from '../observe/feedback/index.ts';
import { ViolationSampler } from '../observe/violations.ts';
import { parseDuration } from '../util/duration.ts';
import { startRuntimeProcess, type Role, type RuntimeProcess, type RuntimeProcessOptions } from './process.ts';

const DEFAULT_RETENTION = '168h';

export interface IngestProcessOptions extends RuntimeProcessOptions {
  /** Base URL browsers reach this Source at, for the settings endpoint. */
  publicUrl?: string;
}

/** `sluice ingest`: the Segment HTTP API for the Sources of a rendered config, publishing to the bus. */
export function startIngestProcess(opts: IngestProcessOptions): Promise<RuntimeProcess> {
  const role: Role = {
    name: 'ingest',
    async start(bus, metrics, loaded, stats) {
      await ensureSources(bus, loaded.config);
      const violations = new ViolationSampler();
      const ingest = createIngest({
        bus,
        metrics,
        violations,
        sources: loaded.config.sources,
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      });
      await serveStats(stats, ingest, violations, loaded.config);
      return {
        handle: (req, res) => ingest.handle(req, res),
        async apply(next) {
          await ensureSources(bus, next.config);
          ingest.reload(next.config.sources);
          await serveStats(stats, ingest, violations, next.config);
        },
        status: () => {
          const stats = ingest.stats();
          return Object.fromEntries(Object.entries(stats).map(([name, s]) => [name, { ...s, topViolations: violations.top(name, 10) }]));
        },
        stop: () => Promise.resolve(),
      };
    },
  };
  return startRuntimeProcess(role, opts);
}

/** A stats series per Source of the config, read from the ingest's counts and the violation sampler. */
function serveStats(stats: PodStats | undefined, ingest: Ingest, violations: ViolationSampler, config: RuntimeConfig): Promise<void> {
  if (!stats) return Promise.resolve();
  return stats.serve(
    'source',
    config.sources.map((source) => {
      const hints = sourceHints(source);
      return {
        name: source.name,
        snapshot: () => {
          const s = ingest.stats()[source.name];
          return s && sourceBody(source.name, s, violations, hints);
        },
      };
    }),
  );
}

async function ensureSources(bus: Bus, config: RuntimeConfig): Promise<void> {
  for (const s of config.sources) {
    await bus.ensureSource(s.name, { retentionMs: parseDuration(s.spec.retention ?? DEFAULT_RETENTION) });
  }
}
