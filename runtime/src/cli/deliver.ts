import { CONFIG_PATH, SECRETS_DIR } from '../cluster/paths.ts';
import { startDeliverProcess } from '../cluster/deliver.ts';
import { jsonLog } from '../cluster/process.ts';
import { durationOption, portOption, requiredOption, untilSignal, UsageError } from '../cluster/signals.ts';
import type { Command } from './commands.ts';

export const deliverCommand: Command = {
  name: 'deliver',
  options: {
    config: { type: 'string', default: CONFIG_PATH },
    'secrets-dir': { type: 'string', default: SECRETS_DIR },
    bus: { type: 'string' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '0.0.0.0' },
    'shutdown-delay': { type: 'string', default: '0s' },
  },
  help: `Usage: sluice deliver --bus <url> [options]

Runs in the delivery pods the operator creates for each Destination: reads its Sources'
events from the bus, filters, maps and sends them, retrying until delivered or
dead-lettered. On SIGTERM, events fetched and not yet delivered go back to the bus.

Options:
      --config <file>          rendered config (default ${CONFIG_PATH})
      --secrets-dir <dir>      Secrets mounted as <dir>/<secret>/<key> (default ${SECRETS_DIR})
      --bus <url>              nats://host:4222 (comma-separate several) or sqlite:<path>
      --port <port>            port for /healthz, /readyz, /metrics, /status (default 8080)
      --host <addr>            address to listen on (default 0.0.0.0)
      --shutdown-delay <d>     after SIGTERM, wait this long before stopping (default 0s)
  -h, --help                   this help

The config and Secrets are re-read every 2 s; a change is applied without a restart.
`,
  async run(values) {
    const log = jsonLog('deliver');
    let proc;
    try {
      proc = await startDeliverProcess({
        configPath: requiredOption('config', values.config),
        secretsDir: requiredOption('secrets-dir', values['secrets-dir']),
        busUrl: requiredOption('bus', values.bus),
        port: portOption('port', values.port),
        host: String(values.host),
        shutdownDelayMs: durationOption('shutdown-delay', values['shutdown-delay']),
        log,
      });
    } catch (err) {
      process.stderr.write(`sluice deliver: ${(err as Error).message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    const p = proc;
    return untilSignal(() => p.stop(), (err) => log('error', err.message));
  },
};
