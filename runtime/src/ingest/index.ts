import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus } from '../bus/types.ts';
import type { SourceRuntime } from '../config.ts';
import type { Metrics } from '../observe/metrics.ts';
import { compilePlanCached } from '../plan/index.ts';
import type { ViolationRecorder } from './account.ts';
import { handleRequest } from './handler.ts';
import { baseFromPublicUrl } from './settings.ts';
import { buildConfig, type IngestConfig, type PlanCompiler } from './sources.ts';
import { Meter, type SourceStats } from './stats.ts';

export type { SourceStats } from './stats.ts';
export { EVENT_CODES, REQUEST_CODES, IngestError } from './codes.ts';

/** Segment's HTTP Tracking API, served under /v1/. */
export interface Ingest {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Swaps in new Sources and plans at once; requests already running finish on the old ones.
   * Throws, keeping the old configuration, when a plan does not compile.
   */
  reload(sources: SourceRuntime[]): void;
  /** Counts per Source since the process started. */
  stats(): Record<string, SourceStats>;
}

export interface IngestOptions {
  bus: Bus;
  metrics: Metrics;
  violations: ViolationRecorder;
  sources: SourceRuntime[];
  /** Base URL browsers reach the ingest at; without it the settings endpoint uses the request's Host. */
  publicUrl?: string;
  now?: () => number;
  /** Replaces the tracking-plan compiler (tests); by default plans compile once per content digest. */
  compilePlan?: PlanCompiler;
}

export function createIngest(opts: IngestOptions): Ingest {
  const now = opts.now ?? Date.now;
  const compile = opts.compilePlan ?? compilePlanCached;
  let config: IngestConfig = buildConfig(opts.sources, compile, undefined, now());
  const deps = {
    bus: opts.bus,
    meter: new Meter(opts.metrics),
    sampler: opts.violations,
    config: () => config,
    apiBase: opts.publicUrl ? baseFromPublicUrl(opts.publicUrl) : undefined,
    now,
  };
  return {
    handle(req, res) {
      try {
        handleRequest(deps, req, res);
      } catch (err) {
        // A bug must cost one request, not the process.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ success: false, code: 'internal', message: `serving ${req.url?.slice(0, 100) ?? ''}: ${(err as Error).message}` }));
        else res.destroy();
      }
    },
    reload(sources) {
      config = buildConfig(sources, compile, config, now());
    },
    stats() {
      const out: Record<string, SourceStats> = {};
      for (const [name, s] of config.sources) out[name] = { ...s.stats };
      return out;
    },
  };
}
