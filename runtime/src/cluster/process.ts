import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { openNatsStatsChannel } from '../bus/nats/stats.ts';
import type { Bus } from '../bus/types.ts';
import { createRuntimeServer, listen, sendJson } from '../cli/server.ts';
import { lazyStatsChannel, PodStats } from '../observe/feedback/index.ts';
import { createMetrics, type Metrics } from '../observe/metrics.ts';
import { openBus, parseBusUrl } from './bus-url.ts';
import { ConfigWatcher, loadConfig, type LoadedConfig } from './reload.ts';

/** One JSON line per record on stderr, like the operator's logs. */
export type RuntimeLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export function jsonLog(component: string, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): RuntimeLog {
  return (level, msg, fields) => write(JSON.stringify({ time: new Date().toISOString(), level, component, msg, ...fields }));
}

export interface RuntimeProcessOptions {
  configPath: string;
  secretsDir: string;
  busUrl: string;
  port: number;
  host: string;
  /** After SIGTERM, how long to keep serving while readiness is already 503 (endpoints catch up). */
  shutdownDelayMs: number;
  /** How often the mounted files are re-read (default 2 s). */
  reloadIntervalMs?: number;
  /** Bounds the wait for requests in flight once the server stops accepting (default 20 s). */
  drainTimeoutMs?: number;
  log?: RuntimeLog;
  /** How often stats go to the operator (default 5 s). */
  statsIntervalMs?: number;
}

/** What a role (ingest, deliver) runs on top of the shared process. */
export interface Role {
  readonly name: 'ingest' | 'deliver';
  /**
   * Starts serving `loaded`; called once the bus is open. `stats` (on a NATS bus) publishes
   * what the pod serves for the operator: the role calls stats.serve on start and reload.
   */
  start(bus: Bus, metrics: Metrics, loaded: LoadedConfig, stats?: PodStats): Promise<RoleRunning>;
}

export interface RoleRunning {
  /** Serves /v1/… (ingest only). */
  handle?(req: IncomingMessage, res: ServerResponse): void;
  apply(loaded: LoadedConfig): Promise<void>;
  /** Counts for /status (and, later, the stats the operator aggregates). */
  status(): unknown;
  stop(): Promise<void>;
}

export interface RuntimeProcess {
  readonly port: number;
  ready(): boolean;
  /** The graceful stop SIGTERM runs: not ready, wait, stop accepting, drain, stop the role, close the bus. */
  stop(): Promise<void>;
}

const BUS_RETRY_MAX_MS = 5_000;

/**
 * The shared life of `sluice ingest` and `sluice deliver`: the config is read first (a pod
 * without a readable config fails at once, visibly); the HTTP server comes up next, live but
 * not ready; the bus is opened with retries (NATS may start after us); then the role runs
 * and readiness turns 200. Mounted files are polled and changes applied in place.
 */
export async function startRuntimeProcess(role: Role, opts: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const log = opts.log ?? jsonLog(role.name);
  const initial = loadConfig(opts.configPath, opts.secretsDir);
  const metrics = createMetrics();
  let running: RoleRunning | undefined;
  let bus: Bus | undefined;
  let ready = false;
  let stopping = false;
  const opened = new AbortController();
  const namespace = resourcesNamespace(initial.rendered.namespace);
  const stats = podStats(role.name, opts, namespace, log);

  const server: Server = createRuntimeServer({
    metrics,
    ...(role.name === 'ingest'
      ? {
          ingest: {
            handle(req: IncomingMessage, res: ServerResponse) {
              if (running?.handle) running.handle(req, res);
              else sendJson(res, 503, { success: false, code: 'unavailable', message: 'starting: the bus is not open yet' });
            },
          },
        }
      : {}),
    status: () => Promise.resolve({ role: role.name, ready, ...(running ? { stats: running.status() } : {}) }),
    ready: () => ready,
  });
  const port = await listen(server, opts.port, opts.host);
  log('info', `listening on ${opts.host}:${port}`, { sources: initial.config.sources.length, destinations: initial.config.destinations.length });

  const watcher = new ConfigWatcher({
    configPath: opts.configPath,
    secretsDir: opts.secretsDir,
    current: initial.fingerprint,
    intervalMs: opts.reloadIntervalMs ?? 2_000,
    onChange: async (loaded) => {
      if (!running) throw new Error('the config changed before the bus opened; trying again');
      await running.apply(loaded);
      log('info', 'reloaded the config', { sources: loaded.config.sources.length, destinations: loaded.config.destinations.length });
    },
    onError: (err) => log('error', `${err.message}; keeping the running config`),
  });

  const starting = (async () => {
    for (let attempt = 0; !opened.signal.aborted; attempt++) {
      try {
        bus = await openBus(opts.busUrl, { name: `sluice-${role.name}`, namespace, log: (level, message) => log(level, message, { component: 'bus' }) });
        break;
      } catch (err) {
        const delay = Math.min(BUS_RETRY_MAX_MS, 250 * 2 ** attempt);
        log('warn', `opening the bus: ${(err as Error).message}; retrying`, { retryInMs: delay });
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (!bus || opened.signal.aborted) return;
    // The newest files, in case they changed while the bus was connecting.
    running = await role.start(bus, metrics, loadConfig(opts.configPath, opts.secretsDir), stats?.pod);
    watcher.start();
    await watcher.check();
    if (!stopping) {
      ready = true;
      log('info', 'ready');
    }
  })();
  starting.catch((err: unknown) => log('error', `starting: ${(err as Error).message}`));

  return {
    port,
    ready: () => ready,
    async stop() {
      if (stopping) return;
      stopping = true;
      ready = false;
      log('info', 'stopping: readiness off', { delayMs: opts.shutdownDelayMs });
      if (opts.shutdownDelayMs > 0) await new Promise((r) => setTimeout(r, opts.shutdownDelayMs));
      opened.abort();
      await watcher.stop();
      await closeServer(server, opts.drainTimeoutMs ?? 20_000);
      await starting.catch(() => undefined);
      await running?.stop();
      // After the work stopped, so the final snapshots carry the last counts.
      await stats?.pod.stop();
      await stats?.channel.close();
      await bus?.close();
      log('info', 'stopped');
    },
  };
}

/**
 * The namespace of the pod's Sources and Destinations: the rendered config's (the operator
 * writes it), else the pod's own (downward API), else `default`. Bus names and stats carry
 * it, as the operator's do.
 */
export function resourcesNamespace(rendered: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return rendered ?? (env.POD_NAMESPACE || 'default');
}

/**
 * Stats for the operator go over core NATS on their own connection, opened when first
 * needed; pods on the embedded bus have no operator to report to. The pod's name and
 * namespace come from the downward API (POD_NAME, POD_NAMESPACE), the resources' namespace
 * from the rendered config.
 */
function podStats(role: Role['name'], opts: RuntimeProcessOptions, namespace: string, log: RuntimeLog) {
  let target: ReturnType<typeof parseBusUrl>;
  try {
    target = parseBusUrl(opts.busUrl);
  } catch {
    // Opening the bus reports a bad URL.
    return undefined;
  }
  if (target.engine !== 'nats') return undefined;
  let warned = false;
  const onError = (err: Error) => {
    // The first failure is worth a warning; repeating it every interval says nothing new.
    log(warned ? 'debug' : 'warn', `publishing stats: ${err.message}; the operator's status of this pod lags until it works`);
    warned = true;
  };
  const channel = lazyStatsChannel(() => openNatsStatsChannel({ servers: target.servers, name: `sluice-${role}-stats` }), { onError });
  const pod = new PodStats({
    channel,
    namespace,
    pod: process.env.POD_NAME || hostname(),
    ...(opts.statsIntervalMs !== undefined ? { intervalMs: opts.statsIntervalMs } : {}),
    onError,
  });
  return { channel, pod };
}

/** Stops accepting, lets requests in flight finish (each answered after its durable write), then cuts what is left. */
function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
