/**
 * The `sluice run` pipeline in a process of its own, instrumented for the soak benchmark
 * (soak.ts): `node test/bench/soak-server.ts <manifests dir> <data dir>` prints its port,
 * then once a second one JSON line of what drifts in a long-running process — events
 * accepted, memory, event-loop delay, GC time, the bus's commit times, de-dup entries and
 * WAL size. The same pipeline and HTTP server as `sluice run`, so the figures carry over.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks';
import type { EmbeddedBus } from '../../runtime/src/bus/embedded.ts';
import { startPipeline } from '../../runtime/src/cli/pipeline.ts';
import { createRuntimeServer, listen } from '../../runtime/src/cli/server.ts';
import { loadManifests } from '../../runtime/src/manifests/index.ts';

export interface SoakSample {
  /** Seconds since the server started. */
  t: number;
  /** Events accepted per source in this second. */
  accepted: Record<string, number>;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  /** Event-loop delay in this second, ms. */
  eld: { p50: number; p99: number; max: number };
  /** Time in garbage collection in this second, ms, and the longest pause. */
  gcMs: number;
  gcMaxMs: number;
  /** Of gcMs, time in full (mark-compact) collections. */
  gcMajorMs: number;
  /** CPU time of the process in this second, ms (user + system, every thread). */
  cpuMs: number;
  commits: number;
  /** Event-loop time spent in bus transactions in this second, ms. */
  commitMs: number;
  /** Commits in this second by duration bucket (COMMIT_MS_BUCKETS, then longer). */
  commitHistogram: number[];
  dedupEntries: number;
  walMiB: number;
  dbMiB: number;
  /** Bytes this process caused to be written to storage in this second, MiB (/proc/self/io). */
  writtenMiB: number;
  /** Dirty and under-writeback page cache of the whole machine, MiB (/proc/meminfo). */
  dirtyMiB: number;
}

const MiB = 1024 * 1024;

function fileMiB(path: string): number {
  try {
    return statSync(path).size / MiB;
  } catch {
    return 0;
  }
}

function procField(path: string, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(path, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const [manifestsDir, dataDir] = process.argv.slice(2);
  if (!manifestsDir || !dataDir) throw new Error('usage: soak-server.ts <manifests dir> <data dir>');
  const loaded = await loadManifests([manifestsDir]);
  if (loaded.problems.length > 0) throw new Error(`loading the bench manifests: ${loaded.problems.length} problem(s)`);
  const p = await startPipeline(loaded.config, { dataDir });
  const bus = p.bus as EmbeddedBus;
  const server = createRuntimeServer({ metrics: p.metrics, ingest: p.ingest, status: () => p.status(), ready: () => true });
  const port = await listen(server, 0, '127.0.0.1');
  process.stdout.write(`${port}\n`);

  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  let gcMs = 0;
  let gcMaxMs = 0;
  let gcMajorMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      if ((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcMajorMs += e.duration;
      if (e.duration > gcMaxMs) gcMaxMs = e.duration;
    }
  }).observe({ entryTypes: ['gc'] });

  const started = performance.now();
  let lastAccepted: Record<string, number> = {};
  let last = bus.stats();
  let lastCpu = process.cpuUsage();
  let lastWritten = procField('/proc/self/io', 'write_bytes');
  setInterval(() => {
    const stats = bus.stats();
    const ingest = p.ingest.stats();
    const accepted: Record<string, number> = {};
    for (const [name, s] of Object.entries(ingest)) accepted[name] = s.accepted - (lastAccepted[name] ?? 0);
    lastAccepted = Object.fromEntries(Object.entries(ingest).map(([n, s]) => [n, s.accepted]));
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage(lastCpu);
    lastCpu = process.cpuUsage();
    const written = procField('/proc/self/io', 'write_bytes');
    const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
    const sample: SoakSample = {
      t: Math.round((performance.now() - started) / 100) / 10,
      accepted,
      rssMiB: Math.round(mem.rss / MiB),
      heapUsedMiB: Math.round(mem.heapUsed / MiB),
      externalMiB: Math.round(mem.external / MiB),
      eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max) },
      gcMs: Math.round(gcMs),
      gcMaxMs: Math.round(gcMaxMs * 10) / 10,
      gcMajorMs: Math.round(gcMajorMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      commits: stats.commits - last.commits,
      commitMs: Math.round(stats.commitMsTotal - last.commitMsTotal),
      commitHistogram: stats.commitMsHistogram.map((n, i) => n - (last.commitMsHistogram[i] ?? 0)),
      dedupEntries: stats.dedupEntries,
      walMiB: Math.round(fileMiB(join(dataDir, 'bus.db-wal')) * 10) / 10,
      dbMiB: Math.round(fileMiB(join(dataDir, 'bus.db'))),
      writtenMiB: Math.round((written - lastWritten) / MiB),
      dirtyMiB: Math.round((procField('/proc/meminfo', 'Dirty') + procField('/proc/meminfo', 'Writeback')) / 1024),
    };
    lastWritten = written;
    last = stats;
    eld.reset();
    gcMs = 0;
    gcMaxMs = 0;
    gcMajorMs = 0;
    process.stdout.write(`${JSON.stringify(sample)}\n`);
  }, 1000);

  process.once('SIGTERM', () => {
    server.close();
    server.closeIdleConnections();
    p.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`soak server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
