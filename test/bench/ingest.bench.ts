/**
 * The ingest and delivery benchmark (`make bench`). Not a test: it prints a table and one
 * JSON line and never fails on speed.
 *
 * One `sluice run` process (tracking plan on, embedded bus) and, for comparison, a bare
 * node:http server (ceiling.ts) are driven by a load generator in a separate process
 * (loadgen.ts). Each repetition starts a fresh Sluice so the bus size does not drift
 * between repetitions; figures are medians over the repetitions.
 *
 *   (a) /v1/batch with 100 events, closed loop: events/s
 *   (b) /v1/t with one event, closed loop: requests/s
 *   (c) /v1/t paced at half of (b): p50/p99 latency, timed from each request's schedule
 *   (d) delivery: N events preloaded while the webhook holds its answers, then released:
 *       events/s until the last one is delivered
 *   (e) the ceiling for (a), (b) and, at the same rate, (c)
 *
 * Environment: BENCH_REPS (3), BENCH_DURATION_MS (10000), BENCH_WARMUP_MS (2000),
 * BENCH_DELIVERY_EVENTS (100000), BENCH_PROFILE=1 (writes a CPU profile of Sluice to
 * .sluice/bench-profiles/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startReceiver } from '../support/receiver.ts';
import { REPO_ROOT, startSluice } from '../support/sluice.ts';
import { waitFor } from '../support/wait.ts';
import { loadgenProcess as loadgen, type Job, type JobResult } from './loadgen.ts';
import { manifests } from './manifests.ts';
import { formatTable, median, meets, type Row } from './stats.ts';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const DELIVERY_EVENTS = Number(process.env.BENCH_DELIVERY_EVENTS ?? 100_000);
const PROFILE = process.env.BENCH_PROFILE === '1';
const BATCH = 100;
const BATCH_CONNECTIONS = 8;
const SINGLE_CONNECTIONS = 32;

const TARGETS = {
  batchEventsPerSec: { op: '>=', value: 50_000 },
  singleRequestsPerSec: { op: '>=', value: 10_000 },
  p99Ms: { op: '<=', value: 20 },
  deliveryEventsPerSec: { op: '>=', value: 20_000 },
} as const;

const CEILING = join(REPO_ROOT, 'test/bench/ceiling.ts');

async function startCeiling(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [CEILING], { stdio: ['ignore', 'pipe', 'inherit'] });
  process.once('exit', () => proc.kill('SIGKILL'));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`starting the ceiling server: exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${line.trim()}`, proc };
}

const closedJob = (url: string, kind: Job['kind'], writeKey: string, connections: number): Job => ({
  url,
  kind,
  writeKey,
  batchSize: BATCH,
  mode: 'closed',
  connections,
  warmupMs: WARMUP_MS,
  durationMs: DURATION_MS,
  idPrefix: randomUUID().slice(0, 8),
});

function note(phase: string, r: JobResult): string {
  const errors = Object.entries(r.errors)
    .map(([s, n]) => `${n}×${s === '0' ? 'network' : s}`)
    .join(', ');
  return `  ${phase.padEnd(30)} ${Math.round(r.requestsPerSec).toLocaleString('en-US').padStart(8)} req/s ${Math.round(r.eventsPerSec).toLocaleString('en-US').padStart(9)} events/s  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms${errors ? `  errors: ${errors}` : ''}`;
}

interface Rep {
  batch: JobResult;
  batchCeiling: JobResult;
  single: JobResult;
  singleCeiling: JobResult;
  halfRate: number;
  paced: JobResult;
  pacedCeiling: JobResult;
  delivery: { events: number; seconds: number; eventsPerSec: number; duplicates: number; preload: JobResult };
}

async function repetition(n: number, ceilingUrl: string): Promise<Rep> {
  const log = (s: string) => process.stdout.write(`${s}\n`);
  log(`repetition ${n}/${REPS}`);
  const receiver = await startReceiver({ record: false, behaviour: { kind: 'hold' } });
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const profileDir = join(REPO_ROOT, '.sluice/bench-profiles');
  if (PROFILE) mkdirSync(profileDir, { recursive: true });
  const sluice = await startSluice({
    manifests: manifests(receiver.url),
    dataDir,
    ...(PROFILE ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
  });
  try {
    const batch = await loadgen(closedJob(sluice.url, 'batch', 'bench-key', BATCH_CONNECTIONS));
    log(note('(a) sluice /v1/batch ×100', batch));
    const batchCeiling = await loadgen(closedJob(ceilingUrl, 'batch', 'bench-key', BATCH_CONNECTIONS));
    log(note('(e) ceiling /v1/batch ×100', batchCeiling));
    const single = await loadgen(closedJob(sluice.url, 'single', 'bench-key', SINGLE_CONNECTIONS));
    log(note('(b) sluice /v1/t', single));
    const singleCeiling = await loadgen(closedJob(ceilingUrl, 'single', 'bench-key', SINGLE_CONNECTIONS));
    log(note('(e) ceiling /v1/t', singleCeiling));
    const halfRate = Math.max(1, Math.round(single.requestsPerSec / 2));
    const pacedJob = (url: string): Job => ({ ...closedJob(url, 'single', 'bench-key', 256), mode: 'paced', rate: halfRate });
    const paced = await loadgen(pacedJob(sluice.url));
    log(note(`(c) sluice /v1/t @ ${halfRate}/s`, paced));
    const pacedCeiling = await loadgen(pacedJob(ceilingUrl));
    log(note(`(e) ceiling /v1/t @ ${halfRate}/s`, pacedCeiling));

    const preload = await loadgen({ ...closedJob(sluice.url, 'batch', 'drain-key', BATCH_CONNECTIONS), warmupMs: 0, maxRequests: Math.ceil(DELIVERY_EVENTS / BATCH) });
    log(note(`(d) preload ${preload.events} events`, preload));
    const t0 = Date.now();
    receiver.setBehaviour({ kind: 'ok' });
    await waitFor(() => receiver.deliveredCount >= preload.events, {
      timeoutMs: 600_000,
      intervalMs: 20,
      what: `${preload.events} events delivered`,
      detail: () => `delivered ${receiver.deliveredCount}\n${sluice.output()}`,
    });
    const seconds = (receiver.lastDeliveryAt - t0) / 1000;
    const delivery = { events: receiver.deliveredCount, seconds, eventsPerSec: receiver.deliveredCount / seconds, duplicates: receiver.duplicates, preload };
    log(`  (d) delivery                     ${Math.round(delivery.eventsPerSec).toLocaleString('en-US').padStart(9)} events/s  (${delivery.events} in ${seconds.toFixed(2)} s, ${delivery.duplicates} duplicates)`);
    return { batch, batchCeiling, single, singleCeiling, halfRate, paced, pacedCeiling, delivery };
  } finally {
    await sluice.stop();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(sluice.manifestsDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cpu = cpus();
  process.stdout.write(
    `sluice ingest benchmark: ${REPS} repetitions × ${DURATION_MS / 1000} s per phase (warm-up ${WARMUP_MS / 1000} s), node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}\n`,
  );
  // Other work on the machine skews every figure; the load average at the start says how much.
  const loadAtStart = loadavg()[0] ?? 0;
  process.stdout.write(`load average before the run: ${loadAtStart.toFixed(2)}\n`);
  const ceiling = await startCeiling();
  const reps: Rep[] = [];
  try {
    for (let i = 1; i <= REPS; i++) reps.push(await repetition(i, ceiling.url));
  } finally {
    ceiling.proc.kill('SIGTERM');
  }
  const med = (f: (r: Rep) => number) => median(reps.map(f));
  const result = {
    batchEventsPerSec: med((r) => r.batch.eventsPerSec),
    ceilingBatchEventsPerSec: med((r) => r.batchCeiling.eventsPerSec),
    singleRequestsPerSec: med((r) => r.single.requestsPerSec),
    ceilingSingleRequestsPerSec: med((r) => r.singleCeiling.requestsPerSec),
    halfRate: med((r) => r.halfRate),
    p50Ms: med((r) => r.paced.latencyMs.p50),
    p99Ms: med((r) => r.paced.latencyMs.p99),
    ceilingP50Ms: med((r) => r.pacedCeiling.latencyMs.p50),
    ceilingP99Ms: med((r) => r.pacedCeiling.latencyMs.p99),
    deliveryEventsPerSec: med((r) => r.delivery.eventsPerSec),
    deliveryDuplicates: reps.reduce((s, r) => s + r.delivery.duplicates, 0),
    errors: reps.reduce((s, r) => s + [r.batch, r.single, r.paced, r.delivery.preload].reduce((t, j) => t + (j.requests - j.ok), 0), 0),
  };
  const rows: Row[] = [
    { metric: '(a) batch ×100: events/s', sluice: result.batchEventsPerSec, ceiling: result.ceilingBatchEventsPerSec, target: TARGETS.batchEventsPerSec },
    { metric: '(b) single /v1/t: requests/s', sluice: result.singleRequestsPerSec, ceiling: result.ceilingSingleRequestsPerSec, target: TARGETS.singleRequestsPerSec },
    { metric: `(c) p50 ms @ ${Math.round(result.halfRate)}/s`, sluice: result.p50Ms, ceiling: result.ceilingP50Ms },
    { metric: `(c) p99 ms @ ${Math.round(result.halfRate)}/s`, sluice: result.p99Ms, ceiling: result.ceilingP99Ms, target: TARGETS.p99Ms },
    { metric: '(d) delivery: events/s', sluice: result.deliveryEventsPerSec, target: TARGETS.deliveryEventsPerSec },
  ];
  process.stdout.write(`\nmedians over ${REPS} repetitions (ratio = sluice / bare node:http ceiling)\n${formatTable(rows)}\n`);
  if (result.errors > 0) process.stdout.write(`note: ${result.errors} requests were not answered 200 during measurement\n`);
  const met = Object.fromEntries(
    (Object.keys(TARGETS) as Array<keyof typeof TARGETS>).map((k) => [k, meets({ metric: k, sluice: result[k], target: TARGETS[k] }) ?? false]),
  );
  const round = (n: number) => Math.round(n * 100) / 100;
  const json = Object.fromEntries(Object.entries(result).map(([k, v]) => [k, round(v)]));
  process.stdout.write(
    `${JSON.stringify({ bench: 'ingest', reps: REPS, durationMs: DURATION_MS, warmupMs: WARMUP_MS, deliveryEvents: DELIVERY_EVENTS, cpus: cpu.length, loadAverage: round(loadAtStart), node: process.version, ...json, targets: Object.fromEntries(Object.entries(TARGETS).map(([k, t]) => [k, `${t.op} ${t.value}`])), met })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
