import type { Bus, DeadLetterInput, PublishResult, QuarantineInput, SubscribeOptions } from '../bus/types.ts';
import type { SegmentEvent } from '../event.ts';
import type { RuntimeConfig } from '../config.ts';
import { createIngest, type Ingest } from '../ingest/index.ts';
import { sourceBody, sourceHints, type PodStats } from '../observe/feedback/index.ts';
import { ViolationSampler } from '../observe/violations.ts';
import { parseDuration } from '../util/duration.ts';
import { jsonLog, startRuntimeProcess, type RuntimeLog, type Role, type RuntimeProcess, type RuntimeProcessOptions } from './process.ts';

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
      const sources = new EnsuringBus(bus, opts.log ?? jsonLog('ingest'));
      await sources.set(loaded.config);
      const violations = new ViolationSampler();
      const ingest = createIngest({
        bus: sources,
        metrics,
        violations,
        sources: loaded.config.sources,
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
      });
      await serveStats(stats, ingest, violations, loaded.config);
      return {
        handle: (req, res) => ingest.handle(req, res),
        async apply(next) {
          await sources.set(next.config);
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

/**
 * The bus as the ingest uses it: each Source's storage is created before its first event
 * is stored — at start, on a reload, and before a publish while earlier attempts failed
 * (NATS was down) — so publishing before the operator provisioned never fails. Ensuring is
 * idempotent and derives the same configuration the operator provisions (bus/nats/decide.ts),
 * so the two never rewrite each other's settings. Once ensured, a Source's storage is not
 * created again: if it disappears, its Source was deleted, and the ingest answers 503.
 */
export class EnsuringBus implements Bus {
  readonly engine: Bus['engine'];
  readonly #bus: Bus;
  readonly #log: RuntimeLog;
  /** Retention wanted per Source of the config, and retention ensured. */
  #wanted = new Map<string, number>();
  readonly #done = new Map<string, number>();
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(bus: Bus, log: RuntimeLog) {
    this.#bus = bus;
    this.engine = bus.engine;
    this.#log = log;
  }

  /** Takes the Sources of `config` and ensures each; failures are logged and tried again before the next publish. */
  async set(config: RuntimeConfig): Promise<void> {
    this.#wanted = new Map(config.sources.map((s) => [s.name, parseDuration(s.spec.retention ?? DEFAULT_RETENTION)]));
    await Promise.all(
      [...this.#wanted.keys()].map((name) =>
        this.#ready(name).catch((err: unknown) => this.#log('warn', `ensuring source ${name} on the bus: ${(err as Error).message}; trying again before its next event`)),
      ),
    );
  }

  #ready(source: string): Promise<void> {
    const retentionMs = this.#wanted.get(source);
    if (retentionMs === undefined || this.#done.get(source) === retentionMs) return Promise.resolve();
    let p = this.#inFlight.get(source);
    if (!p) {
      p = this.#bus.ensureSource(source, { retentionMs }).then(
        () => {
          this.#done.set(source, retentionMs);
        },
      ).finally(() => this.#inFlight.delete(source));
      this.#inFlight.set(source, p);
    }
    return p;
  }

  ensureSource(source: string, opts: { retentionMs: number }): Promise<void> {
    return this.#bus.ensureSource(source, opts);
  }

  async publish(source: string, events: SegmentEvent[]): Promise<PublishResult> {
    await this.#ready(source);
    return this.#bus.publish(source, events);
  }

  async quarantine(source: string, entries: QuarantineInput[]): Promise<void> {
    await this.#ready(source);
    return this.#bus.quarantine(source, entries);
  }

  listQuarantine: Bus['listQuarantine'] = (source, opts) => this.#bus.listQuarantine(source, opts);
  subscribe = (destination: string, source: string, opts: SubscribeOptions) => this.#bus.subscribe(destination, source, opts);
  deadLetter = (destination: string, entries: DeadLetterInput[]) => this.#bus.deadLetter(destination, entries);
  listDeadLetters: Bus['listDeadLetters'] = (destination, opts) => this.#bus.listDeadLetters(destination, opts);
  replayDeadLetters = (destination: string) => this.#bus.replayDeadLetters(destination);
  deleteSource = (source: string) => this.#bus.deleteSource(source);
  deleteDestination = (destination: string) => this.#bus.deleteDestination(destination);
  close = () => this.#bus.close();
}
