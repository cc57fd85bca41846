import type { Bus } from '../bus/types.ts';
import type { RuntimeConfig } from '../config.ts';
import { createIngest } from '../ingest/index.ts';
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
    async start(bus, metrics, loaded) {
      await ensureSources(bus, loaded.config);
      const violations = new ViolationSampler();
      const ingest = createIngest({
        bus,
        metrics,
        violations,
        sources: loaded.config.sources,
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      });
      return {
        handle: (req, res) => ingest.handle(req, res),
        async apply(next) {
          await ensureSources(bus, next.config);
          ingest.reload(next.config.sources);
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

async function ensureSources(bus: Bus, config: RuntimeConfig): Promise<void> {
  for (const s of config.sources) {
    await bus.ensureSource(s.name, { retentionMs: parseDuration(s.spec.retention ?? DEFAULT_RETENTION) });
  }
}
