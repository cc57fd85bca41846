/**
 * The cluster benchmark (`make bench-cluster`). Not a test: it prints a table and one JSON
 * line and never fails on speed.
 *
 * The e2e environment (real control plane, operator, nats-server, the operator's pods run by
 * the pod runner): one ingest pod and one delivery pod, NATS between them, a webhook sink
 * in this process. A load generator in its own process (loadgen.ts) sends /v1/batch:
 *   - paced at 1,000 and 5,000 events/s: end-to-end latency p50/p99, from the event's
 *     receivedAt (stamped by the ingest pod when the request arrives) to the sink;
 *   - closed loop (max): events/s one ingest process acknowledges, and how fast delivery
 *     drains them to the sink;
 * then the fault scenario of test/e2e/faults.ts (a minute of load; SIGKILLed ingest and
 * delivery processes, a nats-server restart, a webhook outage) for the duplicate rate.
 *
 * Each phase runs BENCH_WARMUP_MS (2000) at its rate first, not measured.
 *
 * Environment: BENCH_PHASE_MS (10000), BENCH_WARMUP_MS (2000), BENCH_FAULTS=0 skips the fault scenario, whose
 * length SLUICE_E2E_LOAD_SECONDS (60), SLUICE_E2E_RATE (3000) and SLUICE_E2E_OUTAGE_SECONDS
 * (60) set.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { startE2E, type E2E } from '../e2e/env.ts';
import { faultOptionsFromEnv, runFaultScenario, type FaultReport } from '../e2e/faults.ts';
import { sourceWithKey, webhookDestination } from '../e2e/manifests.ts';
import { startSink, type Sink } from '../e2e/sink.ts';
import { waitFor } from '../support/wait.ts';
import { loadgenProcess as loadgen, type JobResult } from './loadgen.ts';
import { formatTable, meets, type Row } from './stats.ts';

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 10_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const FAULTS = process.env.BENCH_FAULTS !== '0';
const PACED_BATCH = 20;
const MAX_BATCH = 100;
const MAX_CONNECTIONS = 8;
const DRAIN_TIMEOUT_MS = 180_000;

const TARGETS = {
  maxIngestEventsPerSec: { op: '>=', value: 30_000 },
  p99MsAt5000: { op: '<=', value: 250 },
} as const;

interface Phase {
  name: string;
  offered: number | 'max';
  ingest: JobResult;
  /** Events delivered per second, from the phase start to the last one at the sink. */
  deliveredPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Runs the load generator at `offered` for `durationMs` and waits until every event it got a 200 for is at the sink. */
async function drive(sink: Sink, url: string, writeKey: string, offered: number | 'max', durationMs: number): Promise<JobResult> {
  const before = sink.unique;
  const batchSize = offered === 'max' ? MAX_BATCH : PACED_BATCH;
  const ingest = await loadgen({
    url,
    kind: 'batch',
    writeKey,
    batchSize,
    mode: offered === 'max' ? 'closed' : 'paced',
    connections: offered === 'max' ? MAX_CONNECTIONS : 64,
    ...(offered === 'max' ? {} : { rate: offered / batchSize }),
    warmupMs: 0,
    durationMs,
    idPrefix: `bench-${randomUUID().slice(0, 8)}`,
  });
  await waitFor(() => sink.unique >= before + ingest.events, {
    timeoutMs: DRAIN_TIMEOUT_MS,
    intervalMs: 20,
    what: `${ingest.events} events at the sink`,
    detail: () => `${sink.unique - before} arrived`,
  });
  return ingest;
}

async function phase(sink: Sink, url: string, writeKey: string, offered: number | 'max'): Promise<Phase> {
  const name = offered === 'max' ? 'max' : `${offered.toLocaleString('en-US')}/s`;
  // A step up in rate settles within a second or two (connections, batch sizes, JIT of the
  // busier paths); a short run at the same rate first keeps that out of the figures.
  await drive(sink, url, writeKey, offered, WARMUP_MS);
  sink.resetLatency();
  const started = Date.now();
  const ingest = await drive(sink, url, writeKey, offered, PHASE_MS);
  const seconds = (Date.now() - started) / 1000;
  const p: Phase = {
    name,
    offered,
    ingest,
    deliveredPerSec: ingest.events / seconds,
    p50Ms: sink.latency.quantile(0.5),
    p99Ms: sink.latency.quantile(0.99),
  };
  const errors = Object.entries(ingest.errors).map(([s, n]) => `${n}×${s}`).join(', ');
  log(
    `  ${name.padEnd(8)} ingest ${Math.round(ingest.eventsPerSec).toLocaleString('en-US').padStart(7)} events/s, delivered ${Math.round(p.deliveredPerSec).toLocaleString('en-US').padStart(7)} events/s, end to end p50 ${p.p50Ms.toFixed(1)} ms p99 ${p.p99Ms.toFixed(1)} ms${errors ? `, not 200: ${errors}` : ''}`,
  );
  return p;
}

async function throughput(e2e: E2E): Promise<Phase[]> {
  const ns = await e2e.namespace('bench');
  const writeKey = `wk-bench-${randomUUID()}`;
  const sink = await startSink();
  try {
    await e2e.apply(ns, [
      ...sourceWithKey('bench', writeKey, { replicas: 1 }),
      webhookDestination('bench-hook', ['bench'], sink.url, { delivery: { batchSize: 200, maxInFlight: 8, timeout: '10s', maxAge: '1h' } }),
    ]);
    const [url] = await e2e.ingestUrls(ns, 'bench', 1);
    await e2e.deliverPods(ns, 'bench-hook', 1);
    await e2e.waitForConsumers(ns, 'bench-hook', ['bench']);
    const phases: Phase[] = [];
    for (const offered of [1_000, 5_000, 'max'] as const) phases.push(await phase(sink, url!, writeKey, offered));
    return phases;
  } finally {
    await sink.close();
  }
}

async function main(): Promise<void> {
  const cpu = cpus();
  log(`sluice cluster benchmark: ${PHASE_MS / 1000} s per phase, node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}`);
  // Other work on the machine skews every figure; the load average says how much.
  const loadAtStart = loadavg()[0] ?? 0;
  log(`load average before the run: ${loadAtStart.toFixed(2)}`);
  const e2e = await startE2E();
  let phases: Phase[];
  let faults: FaultReport | undefined;
  try {
    log('throughput and latency through NATS (1 ingest pod, 1 delivery pod):');
    phases = await throughput(e2e);
    if (FAULTS) {
      const o = faultOptionsFromEnv({ loadSeconds: 60, eventsPerSec: 3_000, outageSeconds: 60 });
      log(`fault scenario: ${o.loadSeconds} s at ${o.eventsPerSec} events/s, webhook down ${o.outageSeconds} s:`);
      faults = await runFaultScenario(e2e, await e2e.namespace('bench-faults'), { ...o, log: (l) => log(`  ${l}`) });
    }
  } finally {
    await e2e.stop();
  }
  const loadAtEnd = loadavg()[0] ?? 0;
  const at = (name: string) => phases.find((p) => p.name === name)!;
  const result = {
    p50MsAt1000: at('1,000/s').p50Ms,
    p99MsAt1000: at('1,000/s').p99Ms,
    p50MsAt5000: at('5,000/s').p50Ms,
    p99MsAt5000: at('5,000/s').p99Ms,
    maxIngestEventsPerSec: at('max').ingest.eventsPerSec,
    maxDeliveredEventsPerSec: at('max').deliveredPerSec,
    p50MsAtMax: at('max').p50Ms,
    p99MsAtMax: at('max').p99Ms,
    ...(faults
      ? {
          faultEventsAcked: faults.load.acked,
          faultEventsMissing: faults.missing.length,
          faultDuplicates: faults.duplicates,
          faultDuplicateRate: faults.duplicateRate,
        }
      : {}),
  };
  const rows: Row[] = [
    { metric: 'end to end p50 ms @ 1,000/s', sluice: result.p50MsAt1000 },
    { metric: 'end to end p99 ms @ 1,000/s', sluice: result.p99MsAt1000 },
    { metric: 'end to end p50 ms @ 5,000/s', sluice: result.p50MsAt5000 },
    { metric: 'end to end p99 ms @ 5,000/s', sluice: result.p99MsAt5000, target: TARGETS.p99MsAt5000 },
    { metric: 'max: events/s, one ingest process', sluice: result.maxIngestEventsPerSec, target: TARGETS.maxIngestEventsPerSec },
    { metric: 'max: delivered events/s', sluice: result.maxDeliveredEventsPerSec },
    { metric: 'max: end to end p99 ms', sluice: result.p99MsAtMax },
    ...(faults
      ? [
          { metric: 'faults: acknowledged events', sluice: faults.load.acked },
          { metric: 'faults: acknowledged, not delivered', sluice: faults.missing.length },
          { metric: 'faults: duplicates delivered', sluice: faults.duplicates },
          { metric: 'faults: duplicate rate %', sluice: faults.duplicateRate * 100 },
        ]
      : []),
  ];
  log(`\n${formatTable(rows)}`);
  log(`load average: ${loadAtStart.toFixed(2)} before, ${loadAtEnd.toFixed(2)} after`);
  const met = Object.fromEntries((Object.keys(TARGETS) as Array<keyof typeof TARGETS>).map((k) => [k, meets({ metric: k, sluice: result[k], target: TARGETS[k] }) ?? false]));
  const round = (n: number) => Math.round(n * 10_000) / 10_000;
  log(
    JSON.stringify({
      bench: 'cluster',
      phaseMs: PHASE_MS,
      cpus: cpu.length,
      loadAverage: round(loadAtStart),
      loadAverageAfter: round(loadAtEnd),
      node: process.version,
      ...Object.fromEntries(Object.entries(result).map(([k, v]) => [k, round(v)])),
      targets: Object.fromEntries(Object.entries(TARGETS).map(([k, t]) => [k, `${t.op} ${t.value}`])),
      met,
    }),
  );
}

main().then(
  // The pod runner's and NATS client's timers would keep the process up a while.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench-cluster: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
