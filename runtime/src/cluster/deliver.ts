import { createDelivery } from '../delivery/index.ts';
import { startRuntimeProcess, type Role, type RuntimeProcess, type RuntimeProcessOptions } from './process.ts';

/**
 * `sluice deliver`: a delivery worker per Destination of a rendered config, reading the
 * bus. It does not create Source streams: the ingest does, and workers retry until they exist.
 */
export function startDeliverProcess(opts: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const role: Role = {
    name: 'deliver',
    async start(bus, metrics, loaded) {
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
      return {
        apply: (next) => delivery.reload(next.config.destinations),
        status: () => delivery.stats(),
        stop: () => delivery.stop(),
      };
    },
  };
  return startRuntimeProcess(role, opts);
}
