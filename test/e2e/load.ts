// Paced load against the ingest pods behind a Source, as SDKs would send it: /v1/batch
// requests at a fixed event rate, spread over the ready pods; a request that is not answered
// 200 (503 while NATS is away, a connection cut by a killed pod) is retried, on another pod
// when there is one, until it is or the retry budget runs out. An event counts as
// acknowledged only once a request carrying it was answered 200.
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchBody } from '../bench/payloads.ts';

export interface LoadOptions {
  /** Base URLs of the ingest pods ready now; asked again before every attempt. */
  endpoints: () => readonly string[];
  writeKey: string;
  eventsPerSec: number;
  durationMs: number;
  batchSize: number;
  /** Makes messageIds unique across runs. */
  prefix: string;
  /** How long one batch keeps being retried (SDKs give up too). Default 120 s. */
  retryForMs?: number;
  /** Requests in flight at most; the pacing falls behind rather than exceed it. Default 64. */
  maxInFlight?: number;
}

export interface LoadResult {
  /** messageIds of events answered 200. */
  acked: Set<string>;
  /** Events generated: eventsPerSec × duration, rounded down to whole batches. */
  sent: number;
  /** Attempts not answered 200, by status (0: connection error or timeout). */
  failures: Record<string, number>;
  /** Batches retried at least once. */
  retriedBatches: number;
  /** Events of batches given up on. */
  abandoned: number;
  elapsedMs: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
const TICK_MS = 20;

export interface Load {
  /** Events acknowledged so far. */
  readonly acked: number;
  readonly done: Promise<LoadResult>;
  stop(): void;
}

export function startLoad(o: LoadOptions): Load {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const authorization = `Basic ${Buffer.from(`${o.writeKey}:`).toString('base64')}`;
  const maxInFlight = o.maxInFlight ?? 64;
  const retryForMs = o.retryForMs ?? 120_000;
  const result: LoadResult = { acked: new Set(), sent: 0, failures: {}, retriedBatches: 0, abandoned: 0, elapsedMs: 0 };
  let inFlight = 0;
  let stopped = false;
  let rotation = 0;

  const post = (base: string, body: string): Promise<number> =>
    new Promise((resolve) => {
      const url = new URL('/v1/batch', base);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          timeout: REQUEST_TIMEOUT_MS,
          headers: { 'content-type': 'application/json', authorization, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => resolve(0));
      req.end(body);
    });

  const sendBatch = async (firstSeq: number): Promise<void> => {
    const body = batchBody(o.prefix, firstSeq, o.batchSize);
    const giveUpAt = Date.now() + retryForMs;
    for (let attempt = 0; ; attempt++) {
      const live = o.endpoints();
      const status = live.length === 0 ? 0 : await post(live[rotation++ % live.length]!, body);
      if (status === 200) {
        for (let i = 0; i < o.batchSize; i++) result.acked.add(`${o.prefix}-${firstSeq + i}`);
        return;
      }
      result.failures[status] = (result.failures[status] ?? 0) + 1;
      if (attempt === 0) result.retriedBatches++;
      if (Date.now() > giveUpAt) {
        result.abandoned += o.batchSize;
        return;
      }
      await sleep(Math.min(1_000, 50 * 2 ** Math.min(attempt, 5)));
    }
  };

  const done = (async () => {
    const started = Date.now();
    const pending = new Set<Promise<void>>();
    const total = o.batchSize * Math.floor((o.eventsPerSec * o.durationMs) / 1000 / o.batchSize);
    let seq = 0;
    while (!stopped && seq < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * o.eventsPerSec));
      while (seq + o.batchSize <= due && inFlight < maxInFlight) {
        const p = sendBatch(seq).finally(() => {
          inFlight--;
          pending.delete(p);
        });
        inFlight++;
        pending.add(p);
        seq += o.batchSize;
        result.sent += o.batchSize;
      }
      await sleep(TICK_MS);
    }
    await Promise.all(pending);
    result.elapsedMs = Date.now() - started;
    agent.destroy();
    return result;
  })();

  return {
    get acked() {
      return result.acked.size;
    },
    done,
    stop() {
      stopped = true;
    },
  };
}
