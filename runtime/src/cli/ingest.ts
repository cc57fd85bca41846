import { CONFIG_PATH, SECRETS_DIR } from '../cluster/paths.ts';
import { startIngestProcess } from '../cluster/ingest.ts';
import { jsonLog } from '../cluster/process.ts';
import { durationOption, portOption, requiredOption, untilSignal, UsageError } from '../cluster/signals.ts';
import type { Command } from './commands.ts';

export const ingestCommand: Command = {
  name: 'ingest',
  options: {
    config: { type: 'string', default: CONFIG_PATH },
    'secrets-dir': { type: 'string', default: SECRETS_DIR },
    bus: { type: 'string' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '0.0.0.0' },
    'shutdown-delay': { type: 'string', default: '5s' },
    'public-url': { type: 'string' },
  },
  help: `Usage: sluice ingest --bus <url> [options]

Runs in the ingest pods the operator creates for each Source: serves Segment's HTTP
Tracking API and answers 200 only once the bus stored every event of the request.

Options:
      --config <file>          rendered config (default ${CONFIG_PATH})
      --secrets-dir <dir>      Secrets mounted as <dir>/<secret>/<key> (default ${SECRETS_DIR})
      --bus <url>              nats://host:4222 (comma-separate several) or sqlite:<path>
      --port <port>            port to listen on (default 8080)
      --host <addr>            address to listen on (default 0.0.0.0)
      --shutdown-delay <d>     after SIGTERM, keep serving this long with /readyz at 503 (default 5s)
      --public-url <url>       base URL browsers reach this Source at, for the settings endpoint
  -h, --help                   this help

Endpoints: /v1/… (Segment API), /healthz, /readyz, /metrics, /status.
The config and Secrets are re-read every 2 s; a change is applied without a restart.
`,
  async run(values) {
    const log = jsonLog('ingest');
    let proc;
    try {
      const publicUrl = values['public-url'] as string | undefined;
      proc = await startIngestProcess({
        configPath: requiredOption('config', values.config),
        secretsDir: requiredOption('secrets-dir', values['secrets-dir']),
        busUrl: requiredOption('bus', values.bus),
        port: portOption('port', values.port),
        host: String(values.host),
        shutdownDelayMs: durationOption('shutdown-delay', values['shutdown-delay']),
        ...(publicUrl ? { publicUrl } : {}),
        log,
      });
    } catch (err) {
      process.stderr.write(`sluice ingest: ${(err as Error).message}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
    const p = proc;
    return untilSignal(() => p.stop(), (err) => log('error', err.message));
  },
};
