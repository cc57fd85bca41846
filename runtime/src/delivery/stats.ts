import type { DeliveryError, DestinationStats, FilterReason } from './types.ts';

const LATENCY_WINDOW = 1024;

/** Counts and recent figures for one Destination; survives a worker being replaced on reload. */
export class StatsTracker {
  type: string;
  state: DestinationStats['state'] = 'running';
  delivered = 0;
  failed = 0;
  deadLettered = 0;
  lag = 0;
  readonly filteredBy: Record<FilterReason, number> = { integrations: 0, consent: 0, filter: 0, mapping: 0 };
  lastDeliveryTime: number | undefined;
  lastError: DestinationStats['lastError'];
  /** Events naked for a retry and not seen again yet, by source and sequence. */
  readonly #retrying = new Set<string>();
  readonly #latencies = new Float64Array(LATENCY_WINDOW);
  #latencyCount = 0;

  constructor(type: string) {
    this.type = type;
  }

  recordLatency(ms: number): void {
    this.#latencies[this.#latencyCount % LATENCY_WINDOW] = ms;
    this.#latencyCount++;
  }

  markRetrying(key: string): void {
    this.#retrying.add(key);
  }

  /** The event is back (redelivered) or settled: it no longer waits. */
  unmarkRetrying(key: string): void {
    this.#retrying.delete(key);
  }

  recordError(error: DeliveryError, messageId: string | undefined, now: number): void {
    this.lastError = {
      time: new Date(now).toISOString(),
      code: error.status !== undefined ? String(error.status) : (error.code ?? error.kind),
      message: error.message,
      ...(messageId === undefined ? {} : { messageId }),
    };
  }

  recordProblem(code: string, message: string, now: number): void {
    this.lastError = { time: new Date(now).toISOString(), code, message };
  }

  snapshot(): DestinationStats {
    const p95 = percentile(this.#latencies.subarray(0, Math.min(this.#latencyCount, LATENCY_WINDOW)), 0.95);
    const filtered = Object.values(this.filteredBy).reduce((a, b) => a + b, 0);
    return {
      type: this.type,
      state: this.state,
      delivered: this.delivered,
      filtered,
      filteredBy: { ...this.filteredBy },
      failed: this.failed,
      retrying: this.#retrying.size,
      deadLettered: this.deadLettered,
      lag: this.lag,
      ...(p95 === undefined ? {} : { p95LatencyMs: Math.round(p95) }),
      ...(this.lastDeliveryTime === undefined ? {} : { lastDeliveryTime: new Date(this.lastDeliveryTime).toISOString() }),
      ...(this.lastError ? { lastError: { ...this.lastError } } : {}),
    };
  }
}

/** Nearest-rank percentile; undefined for no samples. */
export function percentile(samples: ArrayLike<number>, p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = Array.from(samples).sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}
