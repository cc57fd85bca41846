/**
 * The soak benchmark: does one Sluice process keep its speed as it runs? Not a test; it
 * prints a line per slice and one JSON line.
 *
 * One pipeline process (soak-server.ts, the same pipeline and server as `sluice run`) takes
 * back-to-back closed-loop load slices from the load generator; each slice reports events/s
 * and latency, next to what the server saw in that time (event-loop delay, GC, commit
 * times, memory, de-dup entries, WAL size). The first and last slices are compared, as a
 * ratio measured in the same run, so machine load affects both alike.
 *
 * Environment: SOAK_SLICES (20), SOAK_SLICE_MS (3000), SOAK_KIND (batch | single | paced),
 * SOAK_RATE (paced requests/s, 4000), SOAK_NODE_ARGS (node flags for the server, e.g.
 * "--cpu-prof --cpu-prof-dir=.sluice/soak-profiles").
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeManifests } from '../support/manifests.ts';
import { startReceiver } from '../support/receiver.ts';
import { REPO_ROOT } from '../support/sluice.ts';
import type { Job, JobResult } from './loadgen.ts';
import { manifests } from './manifests.ts';
import type { SoakSample } from './soak-server.ts';
import { median } from './stats.ts';

const SLICES = Number(process.env.SOAK_SLICES ?? 20);
const SLICE_MS = Number(process.env.SOAK_SLICE_MS ?? 3_000);
const KIND = (process.env.SOAK_KIND ?? 'batch') as 'batch' | 'single' | 'paced';
const RATE = Number(process.env.SOAK_RATE ?? 4_000);
const NODE_ARGS = (process.env.SOAK_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

function loadgen(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'test/bench/loadgen.ts'), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') reject(new Error(`running the load generator: exit ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as JobResult);
    });
  });
}

function job(url: string): Job {
  const base = { url, writeKey: 'bench-key', batchSize: 100, warmupMs: 0, durationMs: SLICE_MS, idPrefix: randomUUID().slice(0, 8) };
  if (KIND === 'batch') return { ...base, kind: 'batch', mode: 'closed', connections: 8 };
  if (KIND === 'single') return { ...base, kind: 'single', mode: 'closed', connections: 32 };
  return { ...base, kind: 'single', mode: 'paced', connections: 256, rate: RATE };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

async function main(): Promise<void> {
  process.stdout.write(`sluice soak: ${SLICES} × ${SLICE_MS / 1000} s of ${KIND} load in one process; load average ${loadavg().map(r1).join(' ')}\n`);
  const receiver = await startReceiver({ record: false, behaviour: { kind: 'ok' } });
  const manifestsDir = writeManifests(mkdtempSync(join(tmpdir(), 'sluice-soak-manifests-')), manifests(receiver.url));
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-soak-'));
  const server = spawn(process.execPath, [...NODE_ARGS, join(REPO_ROOT, 'test/bench/soak-server.ts'), manifestsDir, dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => server.kill('SIGKILL'));
  const samples: SoakSample[] = [];
  const lines = createInterface({ input: server.stdout });
  const port = await new Promise<string>((resolve) => lines.once('line', resolve));
  lines.on('line', (l) => samples.push(JSON.parse(l) as SoakSample));
  const url = `http://127.0.0.1:${port.trim()}`;

  const rows: { events: number; p99: number; eldP99: number; eldMax: number; cpuUsPerEvent: number; commitUsPerEvent: number }[] = [];
  process.stdout.write(
    'slice load  events/s  p50 ms  p99 ms | cpu µs/ev  ev/commit  commit µs/ev  >20ms  eld p99  eld max  gc ms/s  major  gc max  rss  heap  ext    dedup  wal   db  wr MiB/s  dirty\n',
  );
  try {
    for (let i = 1; i <= SLICES; i++) {
      const from = samples.length;
      const r = await loadgen(job(url));
      const seen = samples.slice(from);
      const last = seen.at(-1);
      const sum = (f: (s: SoakSample) => number) => seen.reduce((a, x) => a + f(x), 0);
      const events = Math.max(1, sum((x) => x.accepted['bench'] ?? 0));
      const row = {
        events: r.eventsPerSec,
        p99: r.latencyMs.p99,
        eldP99: median(seen.map((x) => x.eld.p99)),
        eldMax: Math.max(0, ...seen.map((x) => x.eld.max)),
        cpuUsPerEvent: (sum((x) => x.cpuMs) * 1000) / events,
        commitUsPerEvent: (sum((x) => x.commitMs) * 1000) / events,
      };
      rows.push(row);
      const slow = sum((x) => (x.commitHistogram[5] ?? 0) + (x.commitHistogram[6] ?? 0) + (x.commitHistogram[7] ?? 0));
      const cells = [
        String(i).padStart(5),
        (loadavg()[0] ?? 0).toFixed(1).padStart(4),
        String(Math.round(r.eventsPerSec)).padStart(8),
        r.latencyMs.p50.toFixed(2).padStart(6),
        r.latencyMs.p99.toFixed(2).padStart(6),
        '|',
        row.cpuUsPerEvent.toFixed(1).padStart(9),
        (events / Math.max(1, sum((x) => x.commits))).toFixed(1).padStart(9),
        row.commitUsPerEvent.toFixed(1).padStart(12),
        String(slow).padStart(5),
        row.eldP99.toFixed(1).padStart(7),
        row.eldMax.toFixed(1).padStart(7),
        String(Math.round(sum((x) => x.gcMs) / Math.max(1, seen.length))).padStart(7),
        String(Math.round(sum((x) => x.gcMajorMs) / Math.max(1, seen.length))).padStart(6),
        Math.max(0, ...seen.map((x) => x.gcMaxMs)).toFixed(1).padStart(6),
        String(last?.rssMiB ?? '').padStart(4),
        String(last?.heapUsedMiB ?? '').padStart(4),
        String(last?.externalMiB ?? '').padStart(4),
        String(last?.dedupEntries ?? '').padStart(8),
        String(last?.walMiB ?? '').padStart(4),
        String(last?.dbMiB ?? '').padStart(4),
        String(Math.round(sum((x) => x.writtenMiB) / Math.max(1, seen.length))).padStart(8),
        String(Math.max(0, ...seen.map((x) => x.dirtyMiB))).padStart(6),
      ];
      process.stdout.write(`${cells.join(' ')}\n`);
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(manifestsDir, { recursive: true, force: true });
  }
  const k = Math.max(1, Math.min(3, Math.floor(rows.length / 3)));
  const first = rows.slice(0, k);
  const lastRows = rows.slice(-k);
  const m = (rs: typeof rows, f: (r: (typeof rows)[number]) => number) => median(rs.map(f));
  const result = {
    bench: 'soak',
    kind: KIND,
    slices: SLICES,
    sliceMs: SLICE_MS,
    firstEventsPerSec: Math.round(m(first, (r) => r.events)),
    lastEventsPerSec: Math.round(m(lastRows, (r) => r.events)),
    lastOverFirst: Math.round((m(lastRows, (r) => r.events) / m(first, (r) => r.events)) * 100) / 100,
    firstP99Ms: r1(m(first, (r) => r.p99)),
    lastP99Ms: r1(m(lastRows, (r) => r.p99)),
    firstCpuUsPerEvent: r1(m(first, (r) => r.cpuUsPerEvent)),
    lastCpuUsPerEvent: r1(m(lastRows, (r) => r.cpuUsPerEvent)),
    firstCommitUsPerEvent: r1(m(first, (r) => r.commitUsPerEvent)),
    lastCommitUsPerEvent: r1(m(lastRows, (r) => r.commitUsPerEvent)),
    medianEldP99Ms: r1(m(rows, (r) => r.eldP99)),
    maxEldMs: r1(Math.max(...rows.map((r) => r.eldMax))),
    loadAverage: r1(loadavg()[0] ?? 0),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
