import type { Bus } from '../bus/types.ts';
import type { DestinationRuntime } from '../config.ts';
import type { Metrics } from '../observe/metrics.ts';
import { compileDestination, destinationDigest, DestinationConfigError, type CompiledDestination } from './compile.ts';
import { DESTINATIONS } from './destinations/index.ts';
import { StatsTracker } from './stats.ts';
import type { DestinationStats, DestinationType } from './types.ts';
import { DestinationWorker, type Log } from './worker.ts';

export interface Delivery {
  start(): Promise<void>;
  /** Adds, removes and replaces workers whose Destination changed; unacked events are redelivered. */
  reload(destinations: DestinationRuntime[]): Promise<void>;
  /** Stops fetching, lets requests in flight finish (bounded) and releases what was not delivered. */
  stop(): Promise<void>;
  stats(): Record<string, DestinationStats>;
}

export interface DeliveryOptions {
  bus: Bus;
  metrics: Metrics;
  destinations: DestinationRuntime[];
  now?: () => number;
  log?: Log;
  /** Destination types to run; the registry unless a test or benchmark brings its own. */
  types?: readonly DestinationType[];
  random?: () => number;
  fetchWaitMs?: number;
  lagIntervalMs?: number;
  stopTimeoutMs?: number;
}

const defaultLog: Log = (entry) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'delivery', ...entry })}\n`);

/** One independent worker per Destination on a shared bus. */
export function createDelivery(opts: DeliveryOptions): Delivery {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? defaultLog;
  const types = opts.types ?? DESTINATIONS;
  const workers = new Map<string, DestinationWorker>();
  const trackers = new Map<string, StatsTracker>();
  let desired = opts.destinations;
  let started = false;
  let queue: Promise<void> = Promise.resolve();

  const tracker = (name: string, type: string) => {
    let t = trackers.get(name);
    if (!t) trackers.set(name, (t = new StatsTracker(type)));
    t.type = type;
    return t;
  };

  async function launch(dest: DestinationRuntime): Promise<void> {
    const stats = tracker(dest.name, dest.spec.type);
    let config: CompiledDestination;
    try {
      config = compileDestination(dest, types);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      stats.state = 'invalid';
      stats.recordProblem(err instanceof DestinationConfigError ? 'InvalidSpec' : 'CompileFailed', message, now());
      log({ level: 'error', msg: message, destination: dest.name });
      return;
    }
    const worker = new DestinationWorker(config, {
      bus: opts.bus,
      metrics: opts.metrics,
      stats,
      now,
      random: opts.random ?? Math.random,
      log,
      fetchWaitMs: opts.fetchWaitMs ?? 250,
      lagIntervalMs: opts.lagIntervalMs ?? 5000,
      stopTimeoutMs: opts.stopTimeoutMs ?? Math.min(config.timeoutMs, 10_000),
    });
    try {
      await worker.start();
    } catch (err) {
      const message = `starting delivery to "${dest.name}": ${err instanceof Error ? err.message : String(err)}`;
      stats.state = 'invalid';
      stats.recordProblem('StartFailed', message, now());
      log({ level: 'error', msg: message, destination: dest.name });
      await worker.stop();
      return;
    }
    stats.state = 'running';
    workers.set(dest.name, worker);
  }

  async function retire(name: string): Promise<void> {
    const w = workers.get(name);
    workers.delete(name);
    if (w) await w.stop();
  }

  async function apply(next: DestinationRuntime[]): Promise<void> {
    const byName = new Map(next.map((d) => [d.name, d]));
    const changes: Promise<void>[] = [];
    for (const name of [...workers.keys(), ...trackers.keys()]) {
      if (!byName.has(name)) {
        changes.push(retire(name));
        trackers.delete(name);
      }
    }
    for (const dest of next) {
      const running = workers.get(dest.name);
      if (running && running.config.digest === destinationDigest(dest)) continue;
      // Replace: the old worker hands its unacked events back before the new one reads.
      changes.push(retire(dest.name).then(() => launch(dest)));
    }
    await Promise.all(changes);
  }

  /** Reloads and stops run one at a time, in call order. */
  const serial = (f: () => Promise<void>): Promise<void> => {
    const run = queue.then(f);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    start: () =>
      serial(async () => {
        if (started) return;
        started = true;
        await apply(desired);
      }),
    reload: (destinations) =>
      serial(async () => {
        desired = destinations;
        if (started) await apply(desired);
      }),
    stop: () =>
      serial(async () => {
        started = false;
        await Promise.all([...workers.keys()].map(retire));
        for (const t of trackers.values()) if (t.state === 'running') t.state = 'stopped';
      }),
    stats: () => {
      const out: Record<string, DestinationStats> = {};
      for (const [name, t] of trackers) out[name] = t.snapshot();
      return out;
    },
  };
}
