import type { Counter, Histogram } from 'prom-client';
import type { Metrics } from '../observe/metrics.ts';

/** Per-Source counts since the process started, for /status and the one-line summary. */
export interface SourceStats {
  /** Events in requests that authenticated for this Source. */
  received: number;
  /** Stored on the bus (duplicates of already stored messageIds included). */
  accepted: number;
  /** Of the accepted, how many the bus already had (a client retry). */
  duplicates: number;
  /** Quarantined by the tracking plan. */
  blocked: number;
  /** Refused as malformed, or with the rest of their request under onInvalid: reject. */
  rejected: number;
  /** Not stored because the bus failed; the client was told to retry. */
  failed: number;
  /** When an event was last accepted (ISO-8601). */
  lastEventTime?: string;
}

export function emptyStats(): SourceStats {
  return { received: 0, accepted: 0, duplicates: 0, blocked: 0, rejected: 0, failed: 0 };
}

type CounterChild = Counter.Internal;
type HistogramChild = Histogram.Internal<string>;

/**
 * The ingest's view of the shared metrics: label children are looked up once and kept,
 * since prom-client hashes the label set on every `labels()` call. Every label value is
 * bounded (source names, endpoints, codes, planned event names, kinds), so are the caches.
 */
export class Meter {
  readonly #m: Metrics;
  readonly #requests = new Map<string, CounterChild>();
  readonly #durations = new Map<string, HistogramChild>();
  readonly #events = new Map<string, CounterChild>();
  readonly #violations = new Map<string, CounterChild>();

  constructor(metrics: Metrics) {
    this.#m = metrics;
  }

  request(source: string, endpoint: string, code: number, seconds: number): void {
    const key = `${source}\u0000${endpoint}\u0000${code}`;
    let c = this.#requests.get(key);
    if (!c) {
      c = this.#m.ingestRequests.labels(source, endpoint, String(code));
      this.#requests.set(key, c);
    }
    c.inc();
    let h = this.#durations.get(endpoint);
    if (!h) {
      h = this.#m.ingestRequestSeconds.labels(endpoint);
      this.#durations.set(endpoint, h);
    }
    h.observe(seconds);
  }

  events(source: string, outcome: string, reason: string, n: number): void {
    if (n === 0) return;
    const key = `${source}\u0000${outcome}\u0000${reason}`;
    let c = this.#events.get(key);
    if (!c) {
      c = this.#m.ingestEvents.labels(source, outcome, reason);
      this.#events.set(key, c);
    }
    c.inc(n);
  }

  violation(source: string, event: string, kind: string): void {
    const key = `${source}\u0000${event}\u0000${kind}`;
    let c = this.#violations.get(key);
    if (!c) {
      c = this.#m.violations.labels(source, event, kind);
      this.#violations.set(key, c);
    }
    c.inc();
  }
}
