import type { RuntimeConfig } from '../config.ts';
import { createDelivery, type Delivery } from '../delivery/index.ts';
import { destinationBody, destinationHints, type PodStats } from '../observe/feedback/index.ts';
import { startRuntimeProcess, type Role, type RuntimeProcess, type RuntimeProcessOptions } from './process.ts';

/**
 * `sluice deliver`: a delivery worker per Destination of a rendered config, reading the
 * bus. It does not create Source streams: the ingest does, and workers retry until they exist.
 */
export function startDeliverProcess(opts: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const role: Role = {
    name: 'deliver',
    async start(bus, metrics, loaded, stats) {
      const log = opts.log;
      const delivery = createDelivery({
        bus,
        metrics,
        destinations: loaded.config.destinations,
        ...(log
          ? {
              log: (entry: Record<string, unknown>) => {
                const { level, msg, ...rest } = entry;
                log(level === 'error' || level === 'warn' || level === 'debug' ? level : 'info', typeof msg === 'string' ? msg : JSON.stringify(msg), rest);
              },
            }
          : {}),
      });
      await delivery.start();
      await serveStats(stats, delivery, loaded.config);
      return {
        async apply(next) {
          await delivery.reload(next.config.destinations);
          await serveStats(stats, delivery, next.config);
        },
        status: () => delivery.stats(),
        stop: () => delivery.stop(),
      };
    },
  };
  return startRuntimeProcess(role, opts);
}

/** A stats series per Destination of the config, read from its worker's stats. */
function serveStats(stats: PodStats | undefined, delivery: Delivery, config: RuntimeConfig): Promise<void> {
  if (!stats) return Promise.resolve();
  return stats.serve(
    'destination',
    config.destinations.map((destination) => {
      const hints = destinationHints(destination);
      return {
        name: destination.name,
        snapshot: () => {
          const s = delivery.stats()[destination.name];
          return s && destinationBody(s, hints);
        },
      };
    }),
  );
}
