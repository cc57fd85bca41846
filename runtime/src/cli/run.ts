import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import type { RuntimeConfig } from '../config.ts';
import { formatProblems, loadManifests } from '../manifests/index.ts';
import { parseDuration } from '../util/duration.ts';
import type { Command } from './commands.ts';
import { startPipeline } from './pipeline.ts';
import { createRuntimeServer, listen } from './server.ts';
import { Summary } from './summary.ts';
import { writePlanWarnings } from './validate.ts';

export const runCommand: Command = {
  name: 'run',
  options: {
    file: { type: 'string', short: 'f', multiple: true },
    port: { type: 'string', short: 'p', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    'data-dir': { type: 'string', default: '.sluice' },
    'public-url': { type: 'string' },
    'summary-interval': { type: 'string', default: '10s' },
    'no-watch': { type: 'boolean', default: false },
  },
  help: `Usage: sluice run -f <file|dir> [-f …] [options]

Runs everything the manifests declare in this one process: an ingest endpoint per
Source speaking Segment's HTTP Tracking API, the TrackingPlans they enforce, and a
delivery worker per Destination, on the embedded bus (SQLite in --data-dir). Accepted
events survive restarts; undelivered ones are retried until delivered or dead-lettered.

Options:
  -f, --file <path>            manifest file or directory (repeatable); the same YAML
                               'kubectl apply -f' takes, Secrets included
  -p, --port <port>            port to listen on (default 8080; 0 picks a free one)
      --host <addr>            address to listen on (default 127.0.0.1)
      --data-dir <dir>         where the bus keeps events (default .sluice)
      --public-url <url>       base URL browsers reach this at, for the settings endpoint
      --summary-interval <d>   how often to print the one-line summary (default 10s)
      --no-watch               do not reload when manifest files change
  -h, --help                   this help

Endpoints:
  /v1/…      Segment HTTP API: track identify page screen group alias batch, t i p s g a b m, import,
             pixel/<type>, projects/<writeKey>/settings
  /status    counts, violations, quarantine and dead letters as JSON
  /metrics   Prometheus metrics        /healthz, /readyz   health and readiness

Manifest files are watched: a valid change is applied without losing events; an invalid
one is reported and the running configuration is kept.

Examples:
  sluice run -f examples/quickstart/
  sluice run -f sources.yaml -f destinations/ --port 9000 --data-dir /var/lib/sluice
`,
  async run(values) {
    const files = ((values.file as string[] | undefined) ?? []).map((f) => resolve(f));
    if (files.length === 0) {
      process.stderr.write('sluice run: no manifests given; pass -f <file|dir> (try: sluice run -f examples/quickstart/)\n');
      return 2;
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      process.stderr.write(`sluice run: --port "${String(values.port)}" is not a port number (0-65535)\n`);
      return 2;
    }
    let summaryMs: number;
    try {
      summaryMs = parseDuration(String(values['summary-interval']));
    } catch (err) {
      process.stderr.write(`sluice run: --summary-interval: ${(err as Error).message}\n`);
      return 2;
    }

    const loaded = await loadManifests(files);
    if (loaded.problems.length > 0) {
      process.stderr.write(`${formatProblems(loaded.problems)}\nsluice run: ${loaded.problems.length} problem(s) in the manifests; nothing started\n`);
      return 1;
    }
    writePlanWarnings(loaded);

    const host = String(values.host);
    let ready = false;
    const publicUrl = values['public-url'] as string | undefined;
    const p = await startPipeline(loaded.config, { dataDir: resolve(String(values['data-dir'])), ...(publicUrl ? { publicUrl } : {}) });
    const server = createRuntimeServer({ metrics: p.metrics, ingest: p.ingest, status: () => p.status(), ready: () => ready });
    let bound: number;
    try {
      bound = await listen(server, port, host);
    } catch (err) {
      await p.stop();
      throw err;
    }
    ready = true;
    const base = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
    process.stdout.write(banner(base, loaded.config));

    const summary = new Summary(p, summaryMs, (line) => process.stdout.write(`${line}\n`));
    summary.start();
    const watchers = values['no-watch'] ? [] : watchManifests(files, async () => {
      const next = await loadManifests(files);
      if (next.problems.length > 0) {
        process.stderr.write(`${formatProblems(next.problems)}\nsluice: manifests changed but are invalid; still running the previous configuration\n`);
        return;
      }
      writePlanWarnings(next);
      try {
        await p.apply(next.config);
        process.stdout.write(`sluice: reloaded ${describe(next.config)}\n`);
      } catch (err) {
        process.stderr.write(`sluice: applying the changed manifests: ${(err as Error).message}; still running the previous configuration\n`);
      }
    });

    return new Promise<number>((done) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) {
          process.stderr.write(`sluice: ${signal} again, exiting now\n`);
          process.exit(130);
        }
        stopping = true;
        ready = false;
        process.stdout.write(`sluice: ${signal}: finishing in-flight requests and deliveries…\n`);
        summary.stop();
        for (const w of watchers) w.close();
        server.close();
        server.closeIdleConnections();
        p.stop().then(
          () => {
            process.stdout.write('sluice: stopped\n');
            done(0);
          },
          (err: unknown) => {
            process.stderr.write(`sluice: stopping: ${(err as Error).message}\n`);
            done(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
  },
};

function describe(config: RuntimeConfig): string {
  return `${config.sources.length} source(s), ${config.destinations.length} destination(s)`;
}

function banner(base: string, config: RuntimeConfig): string {
  const lines = [`sluice: running ${describe(config)} on the embedded bus`, `  endpoint     ${base}/v1/`];
  for (const s of config.sources) {
    lines.push(`  source       ${s.name}${s.plan ? ` (tracking plan ${s.plan.name})` : ''}  write key ${s.writeKeys[0] ?? ''}`);
  }
  for (const d of config.destinations) lines.push(`  destination  ${d.name} (${d.spec.type}) ← ${d.spec.sources.map((s) => s.name).join(', ')}`);
  const first = config.sources[0];
  if (first?.writeKeys[0]) {
    const key = first.writeKeys[0];
    lines.push(
      '',
      'Send an event:',
      `  curl -u '${key}:' ${base}/v1/track -H 'content-type: application/json' \\`,
      `    -d '{"userId":"u1","event":"Order Completed","properties":{"order_id":"o-1","revenue":42.5}}'`,
      '',
      `Status: ${base}/status    Metrics: ${base}/metrics    Stop: Ctrl-C`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function watchManifests(paths: string[], onChange: () => Promise<void>): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const trigger = () => {
    clearTimeout(timer);
    // Editors write files in several steps; wait for the burst to end.
    timer = setTimeout(() => {
      running = running.then(onChange, onChange);
    }, 300);
  };
  return paths.map((p) => watch(p, { recursive: true }, trigger));
}
