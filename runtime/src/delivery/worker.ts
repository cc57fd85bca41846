import type { Bus, BusDelivery, Subscription } from '../bus/types.ts';
import type { Metrics } from '../observe/metrics.ts';
import { parseStartFrom, type CompiledDestination } from './compile.ts';
import { routeEvent } from './decide.ts';
import { asDeliveryError } from './http.ts';
import { Outcomes, type Pending } from './outcomes.ts';
import { Slots } from './slots.ts';
import type { StatsTracker } from './stats.ts';
import { DeliveryError, type FilterReason, type OutboundEvent, type SendResult } from './types.ts';

export type Log = (entry: Record<string, unknown>) => void;

export interface WorkerDeps {
  bus: Bus;
  metrics: Metrics;
  stats: StatsTracker;
  now: () => number;
  random: () => number;
  log: Log;
  /** How long one fetch waits for the first event; bounds how quickly stop() is noticed. */
  fetchWaitMs: number;
  lagIntervalMs: number;
  /** How long stop() lets requests in flight finish before aborting them. */
  stopTimeoutMs: number;
}

/** A client that ignores its AbortSignal still gets cut off this long after the timeout. */
const DEADLINE_GRACE_MS = 1000;
/**
 * The ack wait of a destination's consumers: an event fetched but not acked reappears after
 * it, so it must cover a request that waits for a free slot and then runs into its timeout.
 * The operator creates the consumers with the same value, so the pods find them as they
 * would have made them.
 */
export function deliveryAckWaitMs(timeoutMs: number): number {
  return Math.max(30_000, 3 * (timeoutMs + DEADLINE_GRACE_MS));
}

/** Largest fetch, whatever batchSize × maxInFlight comes to. */
const FETCH_LIMIT = 5000;

/**
 * Delivers one Destination: a fetch loop per source feeding batches into at most
 * maxInFlight concurrent `send`s. Each Destination has its own worker, so one that is
 * slow or down never holds back another.
 */
export class DestinationWorker {
  readonly config: CompiledDestination;
  readonly #deps: WorkerDeps;
  readonly #slots: Slots;
  readonly #outcomes: Outcomes;
  readonly #abort = new AbortController();
  readonly #inflight = new Set<Promise<void>>();
  readonly #subs: Subscription[] = [];
  readonly #wakers = new Set<() => void>();
  #loops: Promise<void>[] = [];
  #lagTimer: NodeJS.Timeout | undefined;
  #lagBusy = false;
  #stopping = false;

  constructor(config: CompiledDestination, deps: WorkerDeps) {
    this.config = config;
    this.#deps = deps;
    this.#slots = new Slots(config.maxInFlight);
    this.#outcomes = new Outcomes(config, deps, () => this.#abort.signal.aborted);
  }

  /** Starts in the background: a destination that cannot connect yet keeps trying until it can or is stopped. */
  start(): Promise<void> {
    this.#loops = [this.#connectThenRun()];
    this.#lagTimer = setInterval(() => void this.#updateLag(), this.#deps.lagIntervalMs);
    this.#lagTimer.unref();
    return Promise.resolve();
  }

  /**
   * Stops fetching, lets requests in flight finish (up to stopTimeoutMs, then aborts
   * them) and hands back every event it holds unacknowledged for prompt redelivery.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#lagTimer);
    this.#slots.cancel();
    for (const wake of this.#wakers) wake();
    await Promise.all(this.#loops);
    if (!(await settledWithin([...this.#inflight], this.#deps.stopTimeoutMs))) {
      this.#abort.abort(new DeliveryError('stopping delivery', { kind: 'retryable', code: 'aborted' }));
      await Promise.all(this.#inflight);
    }
    await Promise.allSettled(this.#subs.map((s) => s.close()));
    try {
      await this.config.client.close?.();
    } catch (err) {
      this.#deps.log({ level: 'warn', msg: 'closing destination client failed', destination: this.config.name, error: String(err) });
    }
  }

  async #connectThenRun(): Promise<void> {
    for (let failures = 1; !this.#stopping; failures++) {
      try {
        await this.config.client.connect?.();
        break;
      } catch (err) {
        const message = `connecting to destination "${this.config.name}": ${err instanceof Error ? err.message : String(err)}`;
        this.#deps.stats.recordProblem('ConnectFailed', message, this.#deps.now());
        this.#deps.log({ level: 'error', msg: message, destination: this.config.name });
        await this.#sleep(Math.min(30_000, 200 * 2 ** Math.min(failures, 8)));
      }
    }
    if (this.#stopping) return;
    await Promise.all(this.config.sources.map((source) => this.#run(source)));
  }

  async #run(source: string): Promise<void> {
    let sub: Subscription | undefined;
    let failures = 0;
    while (!this.#stopping) {
      try {
        sub ??= await this.#subscribe(source);
        if (!(await this.#slots.acquire())) break;
        let held = true;
        try {
          const max = Math.min(FETCH_LIMIT, this.config.batchSize * (1 + this.#slots.free));
          const deliveries = await sub.fetch(max, this.#deps.fetchWaitMs);
          failures = 0;
          if (deliveries.length === 0) continue;
          if (this.#stopping) {
            await this.#outcomes.handBack(deliveries);
            break;
          }
          held = false;
          await this.#dispatch(deliveries);
        } finally {
          if (held) this.#slots.release();
        }
      } catch (err) {
        failures++;
        const message = `reading source "${source}" from the bus: ${err instanceof Error ? err.message : String(err)}`;
        this.#deps.stats.recordProblem('BusError', message, this.#deps.now());
        this.#deps.log({ level: 'error', msg: message, destination: this.config.name });
        await this.#sleep(Math.min(5000, 100 * 2 ** Math.min(failures, 6)));
      }
    }
  }

  async #subscribe(source: string): Promise<Subscription> {
    const startFrom = parseStartFrom(this.config.startFrom, this.#deps.now());
    const ackWaitMs = deliveryAckWaitMs(this.config.timeoutMs);
    const sub = await this.#deps.bus.subscribe(this.config.name, source, { startFrom, ackWaitMs });
    this.#subs.push(sub);
    void this.#updateLag();
    return sub;
  }

  /** Routes a fetched chunk, then sends what remains in batches. Takes over the slot the loop holds. */
  async #dispatch(deliveries: BusDelivery[]): Promise<void> {
    let slotUsed = false;
    try {
      const { stats } = this.#deps;
      const routed: BusDelivery[] = [];
      const settled: Pending[] = [];
      const filtered: Partial<Record<FilterReason, number>> = {};
      for (const d of deliveries) {
        if (d.attempt > 1) stats.unmarkRetrying(retryKey(d));
        const decision = routeEvent(d.event, this.config.route);
        if (decision.deliver) routed.push(d);
        else {
          filtered[decision.reason] = (filtered[decision.reason] ?? 0) + 1;
          settled.push(d.ack());
        }
      }
      const batches = routed.length > 0 ? await this.#transform(routed, filtered, settled) : [];
      this.#outcomes.countFiltered(filtered);
      await this.#outcomes.settleAll(settled);

      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!;
        if (i === 0) slotUsed = true;
        else if (!(await this.#slots.acquire())) {
          await this.#outcomes.handBack(batches.slice(i).flat().map((b) => b.d));
          return;
        }
        const p: Promise<void> = this.#send(batch).finally(() => {
          this.#inflight.delete(p);
          this.#slots.release();
        });
        this.#inflight.add(p);
      }
    } finally {
      if (!slotUsed) this.#slots.release();
    }
  }

  async #transform(
    routed: BusDelivery[],
    filtered: Partial<Record<FilterReason, number>>,
    settled: Pending[],
  ): Promise<Array<Array<{ d: BusDelivery; out: OutboundEvent }>>> {
    let outcomes;
    try {
      outcomes = await this.config.transform(routed.map((d) => d.event));
    } catch (err) {
      const error = asDeliveryError(err, this.config.secrets);
      settled.push(...(await this.#outcomes.fail(routed.map((d) => ({ d, error })))));
      return [];
    }
    const batches: Array<Array<{ d: BusDelivery; out: OutboundEvent }>> = [];
    let current: Array<{ d: BusDelivery; out: OutboundEvent }> = [];
    const failed: Array<{ d: BusDelivery; error: DeliveryError }> = [];
    routed.forEach((d, i) => {
      const o = outcomes[i];
      if (o?.kind === 'payload') {
        current.push({ d, out: { messageId: d.event.messageId, event: d.event, payload: o.payload } });
        if (current.length === this.config.batchSize) {
          batches.push(current);
          current = [];
        }
      } else if (o?.kind === 'drop') {
        filtered.mapping = (filtered.mapping ?? 0) + 1;
        settled.push(d.ack());
      } else {
        failed.push({ d, error: o?.error ?? new DeliveryError('mapping: no result for the event', { kind: 'retryable', code: 'internal' }) });
      }
    });
    if (current.length > 0) batches.push(current);
    if (failed.length > 0) settled.push(...(await this.#outcomes.fail(failed)));
    return batches;
  }

  async #send(batch: Array<{ d: BusDelivery; out: OutboundEvent }>): Promise<void> {
    const { timeoutMs, client, secrets, name } = this.config;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), this.#abort.signal]);
    const started = performance.now();
    let results: SendResult[];
    try {
      results = await withDeadline(client.send(batch.map((b) => b.out), signal), timeoutMs + DEADLINE_GRACE_MS, this.#abort.signal);
      // Whatever a destination reports goes to status and dead letters: mask credentials.
      results = results.map((r) => (r.ok ? r : { ok: false, error: asDeliveryError(r.error, secrets) }));
    } catch (err) {
      const error = asDeliveryError(err, secrets);
      results = batch.map(() => ({ ok: false, error }));
    }
    const ms = performance.now() - started;
    this.#deps.metrics.deliverySeconds.observe({ destination: name }, ms / 1000);
    this.#deps.stats.recordLatency(ms);
    await this.#outcomes.settle(batch.map((b) => b.d), results);
  }

  async #updateLag(): Promise<void> {
    if (this.#lagBusy || this.#subs.length === 0) return;
    this.#lagBusy = true;
    try {
      let lag = 0;
      for (const s of this.#subs) lag += await s.lag();
      this.#deps.stats.lag = lag;
      this.#deps.metrics.queueDepth.set({ destination: this.config.name }, lag);
    } catch (err) {
      if (!this.#stopping) this.#deps.log({ level: 'warn', msg: 'reading queue depth failed', destination: this.config.name, error: String(err) });
    } finally {
      this.#lagBusy = false;
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wakers.add(done);
    });
  }
}

export function retryKey(d: BusDelivery): string {
  return `${d.source}\u0000${d.seq}`;
}

/** Rejects when the deadline passes or the shutdown signal fires, whichever comes first. */
function withDeadline<T>(p: Promise<T>, ms: number, abort: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(new DeliveryError('sending: aborted by shutdown', { kind: 'retryable', code: 'aborted' })));
    const timer = setTimeout(
      () => finish(() => reject(new DeliveryError(`sending: no result within ${ms} ms`, { kind: 'retryable', code: 'timeout' }))),
      ms,
    );
    const finish = (f: () => void) => {
      clearTimeout(timer);
      abort.removeEventListener('abort', onAbort);
      f();
    };
    if (abort.aborted) return onAbort();
    abort.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => finish(() => resolve(v)),
      (e: unknown) => finish(() => reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

async function settledWithin(ps: Promise<unknown>[], ms: number): Promise<boolean> {
  if (ps.length === 0) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const all = Promise.allSettled(ps).then(() => true as const);
  const r = await Promise.race([all, timeout]);
  clearTimeout(timer);
  return r;
}
