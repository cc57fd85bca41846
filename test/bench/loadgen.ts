/**
 * Load generator, run as its own process so it does not share a CPU with the server under
 * test more than the OS makes it: `node test/bench/loadgen.ts '<job JSON>'` prints one JSON
 * result line. Closed loop (`connections` requests always in flight) measures the maximum
 * rate; paced (open loop, a fixed schedule) measures latency at a given rate, timed from
 * each request's scheduled start so a slow server cannot hide its queueing.
 */
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { batchBody, singleBody } from './payloads.ts';
import { LatencyHistogram } from './stats.ts';

export interface Job {
  /** Base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  kind: 'batch' | 'single';
  writeKey: string;
  batchSize: number;
  mode: 'closed' | 'paced';
  /** closed: requests in flight; paced: most open sockets. */
  connections: number;
  /** paced: requests per second. */
  rate?: number;
  warmupMs: number;
  durationMs: number;
  /** closed: stop after this many requests (a preload) instead of a duration. */
  maxRequests?: number;
  /** Makes messageIds unique across runs. */
  idPrefix: string;
}

export interface JobResult {
  requests: number;
  ok: number;
  /** Answers other than 200 (by status; 0 = network error or timeout). */
  errors: Record<string, number>;
  events: number;
  elapsedMs: number;
  requestsPerSec: number;
  eventsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

const BASIC = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

async function run(job: Job): Promise<JobResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections, maxFreeSockets: job.connections });
  const path = job.kind === 'batch' ? '/v1/batch' : '/v1/t';
  const target = new URL(path, job.url);
  const headers =
    job.kind === 'batch'
      ? { 'content-type': 'application/json', authorization: BASIC(job.writeKey) }
      : { 'content-type': 'text/plain' };
  const perRequest = job.kind === 'batch' ? job.batchSize : 1;
  let seq = 0;

  let measuring = false;
  const hist = new LatencyHistogram();
  const errors: Record<string, number> = {};
  let requests = 0;
  let ok = 0;

  const send = (scheduledAt: number): Promise<void> => {
    const body = job.kind === 'batch' ? batchBody(job.idPrefix, seq, job.batchSize) : singleBody(job.idPrefix, seq, job.writeKey);
    seq += perRequest;
    const counted = measuring;
    return new Promise((resolve) => {
      const finish = (status: number) => {
        if (counted) {
          requests++;
          if (status === 200) {
            ok++;
            hist.record(performance.now() - scheduledAt);
          } else errors[status] = (errors[status] ?? 0) + 1;
        }
        resolve();
      };
      const req = request(
        { host: target.hostname, port: target.port, path, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => finish(res.statusCode ?? 0));
          res.on('error', () => finish(0));
        },
      );
      req.setTimeout(10_000, () => req.destroy());
      req.on('error', () => finish(0));
      req.end(body);
    });
  };

  const closed = async (untilMs: number, maxRequests: number) => {
    let issued = 0;
    const loop = async () => {
      while (performance.now() < untilMs && issued < maxRequests) {
        issued++;
        await send(performance.now());
      }
    };
    await Promise.all(Array.from({ length: job.connections }, loop));
  };

  const paced = async (startMs: number, untilMs: number, rate: number) => {
    const interval = 1000 / rate;
    const inflight = new Set<Promise<void>>();
    let n = 0;
    while (performance.now() < untilMs) {
      const now = performance.now();
      // Everything due by now goes out, each timed from when it was due.
      while (startMs + n * interval <= now) {
        const p = send(startMs + n * interval);
        inflight.add(p);
        void p.then(() => inflight.delete(p));
        n++;
      }
      // A timer tick (~1 ms), not a busy loop: the generator must leave the CPU to the server.
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
  };

  const maxRequests = job.maxRequests ?? Number.POSITIVE_INFINITY;
  if (job.warmupMs > 0 && job.maxRequests === undefined) {
    const until = performance.now() + job.warmupMs;
    if (job.mode === 'closed') await closed(until, maxRequests);
    else await paced(performance.now(), until, job.rate!);
  }
  measuring = true;
  const t0 = performance.now();
  if (job.mode === 'closed') await closed(job.maxRequests === undefined ? t0 + job.durationMs : Number.POSITIVE_INFINITY, maxRequests);
  else await paced(t0, t0 + job.durationMs, job.rate!);
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return {
    requests,
    ok,
    errors,
    events: ok * perRequest,
    elapsedMs,
    requestsPerSec: (ok / elapsedMs) * 1000,
    eventsPerSec: ((ok * perRequest) / elapsedMs) * 1000,
    latencyMs: { p50: hist.quantile(0.5), p90: hist.quantile(0.9), p99: hist.quantile(0.99), max: hist.max },
  };
}

/** Runs one job in a process of its own, so the load generator never shares a core's event loop with what it measures. */
export function loadgenProcess(job: Job): Promise<JobResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') return reject(new Error(`running the load generator: exit ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(line) as JobResult);
      } catch (e) {
        reject(new Error(`reading the load generator's result: ${out.slice(-500)}`, { cause: e }));
      }
    });
  });
}

if (import.meta.main) {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  run(job).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
