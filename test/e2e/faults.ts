// Scenario 3, shared by the e2e test (short load) and `make bench-cluster`/`make e2e-long`
// (a minute): paced load on a two-pod Source while the delivery process is SIGKILLed in the
// middle of a request, an ingest process is SIGKILLed, nats-server restarts and the webhook
// goes down for a while. Afterwards every acknowledged event must reach the webhook.
import { randomUUID } from 'node:crypto';
import type { Destination, Source } from '../../operator/src/api/index.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../support/wait.ts';
import type { E2E } from './env.ts';
import { startLoad, type LoadResult } from './load.ts';
import { sourceWithKey, webhookDestination } from './manifests.ts';
import { startSink, type Sink } from './sink.ts';

export interface FaultOptions {
  loadSeconds: number;
  eventsPerSec: number;
  /** How long the webhook stays down: long enough for the operator to see it (stats every 5 s, status writes at most every 5 s). */
  outageSeconds: number;
  /** How long to wait, after the load and the outage, for every acknowledged event. */
  drainTimeoutMs: number;
  log?: (line: string) => void;
}

export interface FaultReport {
  load: Omit<LoadResult, 'acked'> & { acked: number };
  delivered: number;
  /** Acknowledged events the webhook never got (must be empty). */
  missing: string[];
  duplicates: number;
  /** Duplicates per delivered event. */
  duplicateRate: number;
  ingestRestarts: number;
  deliverRestarts: number;
  /** What happened when, seconds from the start of the load. */
  timeline: string[];
  /** The Destination's Delivering condition as it changed during the run ("status:reason"). */
  delivering: string[];
  /** Status once the consumer settled. */
  source: Source['status'];
  destination: Destination['status'];
}

export const SOURCE = 'storm';
export const DESTINATION = 'storm-hook';
/** Events per /v1/batch request of the load. */
export const LOAD_BATCH = 50;

/** Env overrides for a longer run: SLUICE_E2E_LOAD_SECONDS, SLUICE_E2E_RATE, SLUICE_E2E_OUTAGE_SECONDS. */
export function faultOptionsFromEnv(defaults: Omit<FaultOptions, 'drainTimeoutMs' | 'log'>): Omit<FaultOptions, 'log'> {
  const num = (name: string, fallback: number) => {
    const v = Number(process.env[name]);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const o = {
    loadSeconds: num('SLUICE_E2E_LOAD_SECONDS', defaults.loadSeconds),
    eventsPerSec: num('SLUICE_E2E_RATE', defaults.eventsPerSec),
    outageSeconds: num('SLUICE_E2E_OUTAGE_SECONDS', defaults.outageSeconds),
  };
  // Fetched-but-unacked events of the killed delivery process come back after the consumer's
  // ack wait (30 s); the backlog of the outage drains at delivery speed.
  return { ...o, drainTimeoutMs: 60_000 + o.outageSeconds * 1_000 + o.loadSeconds * 500 };
}

/** Applies the Source (2 ingest pods) and the Destination, and runs the load under faults. */
export async function runFaultScenario(e2e: E2E, ns: string, o: FaultOptions): Promise<FaultReport> {
  const log = o.log ?? (() => {});
  const writeKey = `wk-storm-${randomUUID()}`;
  const sink = await startSink();
  try {
    await e2e.apply(ns, [...sourceWithKey(SOURCE, writeKey, { replicas: 2 }), webhookDestination(DESTINATION, [SOURCE], sink.url)]);
    await e2e.ingestUrls(ns, SOURCE, 2);
    await e2e.deliverPods(ns, DESTINATION, 1);
    await e2e.waitForConsumers(ns, DESTINATION, [SOURCE]);
    return await underFaults(e2e, ns, sink, writeKey, o, log);
  } finally {
    await sink.close();
  }
}

async function underFaults(e2e: E2E, ns: string, sink: Sink, writeKey: string, o: FaultOptions, log: (l: string) => void): Promise<FaultReport> {
  let endpoints: string[] = [];
  const refresh = async () => {
    endpoints = (await e2e.runner.serviceEndpoints(SOURCE, { namespace: ns })).map((a) => `http://${a}`);
  };
  await refresh();
  const refresher = setInterval(() => void refresh().catch(() => undefined), 250);
  const started = Date.now();
  const timeline: string[] = [];
  const mark = (what: string) => {
    const line = `${((Date.now() - started) / 1000).toFixed(1)}s ${what}`;
    timeline.push(line);
    log(line);
  };
  const at = async (fraction: number) => {
    const wait = started + fraction * o.loadSeconds * 1_000 - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const pod = (component: 'ingest' | 'deliver', instance: string) =>
    e2e.runner.processes().filter((p) => p.namespace === ns && p.labels['app.kubernetes.io/component'] === component && p.labels['app.kubernetes.io/instance'] === instance && !p.terminating);

  const delivering: string[] = [];
  const watchStatus = setInterval(() => {
    void e2e
      .get<Destination>(ns, `destination ${DESTINATION}`)
      .then((d) => {
        const c = d?.status?.conditions?.find((x) => x.type === 'Delivering');
        const now = c ? `${c.status}:${c.reason}` : 'none';
        if (delivering.at(-1) !== now) {
          delivering.push(now);
          mark(`Destination Delivering=${now}${c?.message ? ` (${c.message})` : ''}`);
        }
      })
      .catch(() => undefined);
  }, 1_000);
  const load = startLoad({ endpoints: () => endpoints, writeKey, eventsPerSec: o.eventsPerSec, durationMs: o.loadSeconds * 1_000, batchSize: LOAD_BATCH, prefix: `storm-${randomUUID().slice(0, 8)}` });
  try {
    // The delivery process, caught while it waits for the webhook's answer.
    await at(0.1);
    sink.setDelay(2_000);
    const before = sink.requests;
    await waitFor(() => sink.requests > before, { timeoutMs: 10_000, what: 'a delivery request in flight' });
    const deliver = pod('deliver', DESTINATION)[0]!;
    e2e.runner.kill9(deliver.name, { namespace: ns });
    sink.setDelay(0);
    mark(`kill -9 delivery ${deliver.name} mid-request`);

    await at(0.2);
    const ingest = pod('ingest', SOURCE)[0]!;
    e2e.runner.kill9(ingest.name, { namespace: ns });
    mark(`kill -9 ingest ${ingest.name}`);

    await at(0.4);
    mark('nats-server stopping');
    await e2e.nats.stop();
    await sleep(1_000);
    await e2e.nats.start();
    mark('nats-server back');

    await at(0.6);
    await sink.down();
    mark(`webhook down for ${o.outageSeconds}s`);
    await sleep(o.outageSeconds * 1_000);
    await sink.up();
    mark('webhook back');

    const result = await load.done;
    mark(`load done: ${result.acked.size} of ${result.sent} events acknowledged`);
    const acked = [...result.acked];
    let missing = acked;
    try {
      await waitFor(() => (missing = missing.filter((id) => !sink.has(id))).length === 0, {
        timeoutMs: o.drainTimeoutMs,
        intervalMs: 500,
        what: 'every acknowledged event at the webhook',
        detail: () => `${missing.length} missing, e.g. ${missing.slice(0, 3).join(', ')}`,
      });
      mark('every acknowledged event delivered');
      // Events the killed delivery process had fetched come again after the ack wait: only
      // once the consumer holds nothing unacknowledged is the duplicate count final.
      await waitFor(async () => {
        const b = await e2e.consumerBacklog(ns, DESTINATION, SOURCE);
        return b.pending === 0 && b.ackPending === 0;
      }, { timeoutMs: o.drainTimeoutMs, intervalMs: 500, what: 'the delivery consumer to settle' });
      mark('delivery consumer settled: nothing pending or unacknowledged');
    } catch (err) {
      mark(`${missing.length} acknowledged events still missing`);
      log((err as Error).message);
    }
    const restarts = (component: 'ingest' | 'deliver', instance: string) =>
      pod(component, instance).reduce((n, p) => n + p.containers.reduce((m, c) => m + c.restartCount, 0), 0);
    // The pods publish every few seconds and the operator writes at most every 5 s.
    const settled = await e2e
      .waitStatus<Destination>(ns, `destination ${DESTINATION}`, (d) => d.status?.lag === 0 && delivering.at(-1) === 'True:Delivering', {
        timeoutMs: 30_000,
        describe: 'Delivering again, no lag',
      })
      .catch((err: unknown) => void log((err as Error).message));
    clearInterval(watchStatus);
    const source = (await e2e.get<Source>(ns, `source ${SOURCE}`))?.status;
    const destination = settled ? settled.status : (await e2e.get<Destination>(ns, `destination ${DESTINATION}`))?.status;
    const { acked: _ids, ...rest } = result;
    return {
      load: { ...rest, acked: result.acked.size },
      delivered: sink.unique,
      missing,
      duplicates: sink.duplicates,
      duplicateRate: sink.unique === 0 ? 0 : sink.duplicates / sink.unique,
      ingestRestarts: restarts('ingest', SOURCE),
      deliverRestarts: restarts('deliver', DESTINATION),
      timeline,
      delivering,
      source,
      destination,
    };
  } finally {
    load.stop();
    clearInterval(refresher);
    clearInterval(watchStatus);
    await load.done.catch(() => undefined);
  }
}
