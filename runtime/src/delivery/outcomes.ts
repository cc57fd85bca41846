import type { BusDelivery, DeadLetterInput } from '../bus/types.ts';
import type { CompiledDestination } from './compile.ts';
import { decideFailure } from './decide.ts';
import type { WorkerDeps } from './worker.ts';
import { DeliveryError, type FilterReason, type SendResult } from './types.ts';

/** An ack or nak under way. */
export type Pending = Promise<void>;

/** How often the same kind of failure is logged per destination during an outage. */
const LOG_EVERY_MS = 10_000;

/**
 * Applies send results to the bus and the counters: ack what was delivered, nak what
 * will be retried (with its delay), dead-letter the rest and only then ack it. Nothing is
 * acked that was neither delivered nor safely dead-lettered.
 */
export class Outcomes {
  readonly #config: CompiledDestination;
  readonly #deps: WorkerDeps;
  readonly #aborted: () => boolean;
  readonly #lastLogged = new Map<string, number>();

  constructor(config: CompiledDestination, deps: WorkerDeps, aborted: () => boolean) {
    this.#config = config;
    this.#deps = deps;
    this.#aborted = aborted;
  }

  countFiltered(filtered: Partial<Record<FilterReason, number>>): void {
    for (const [reason, n] of Object.entries(filtered) as Array<[FilterReason, number]>) {
      this.#deps.stats.filteredBy[reason] += n;
      this.#deps.metrics.deliveryEvents.inc({ destination: this.#config.name, result: 'filtered', reason }, n);
    }
  }

  async settle(deliveries: readonly BusDelivery[], results: readonly SendResult[]): Promise<void> {
    const { stats, metrics, now } = this.#deps;
    const pending: Pending[] = [];
    const failed: Array<{ d: BusDelivery; error: DeliveryError }> = [];
    const handBack: BusDelivery[] = [];
    let delivered = 0;
    deliveries.forEach((d, i) => {
      const r = results[i];
      if (r?.ok) {
        pending.push(d.ack());
        delivered++;
      } else if (this.#aborted() && (!r || r.error.code === 'aborted')) {
        handBack.push(d);
      } else {
        failed.push({ d, error: r?.error ?? missingResult() });
      }
    });
    if (delivered > 0) {
      stats.delivered += delivered;
      stats.lastDeliveryTime = now();
      metrics.deliveryEvents.inc({ destination: this.#config.name, result: 'delivered', reason: '' }, delivered);
    }
    if (failed.length > 0) pending.push(...(await this.fail(failed)));
    if (handBack.length > 0) pending.push(this.handBack(handBack));
    await this.settleAll(pending);
  }

  /** Decides each failure: retry later (nak) or dead-letter now. Returns the naks under way. */
  async fail(items: ReadonlyArray<{ d: BusDelivery; error: DeliveryError }>): Promise<Pending[]> {
    const { stats, metrics, now, random } = this.#deps;
    const name = this.#config.name;
    const t = now();
    const naks: Pending[] = [];
    const dead: Array<{ d: BusDelivery; entry: DeadLetterInput; label: string }> = [];
    for (const { d, error } of items) {
      const code = errorCode(error);
      stats.failed++;
      metrics.deliveryEvents.inc({ destination: name, result: 'failed', reason: code });
      const decision = decideFailure(error, { attempt: d.attempt, storedAt: d.storedAt, now: t, policy: this.#config.retry, random });
      if (decision.action === 'retry') {
        stats.markRetrying(`${d.source}\u0000${d.seq}`);
        metrics.deliveryEvents.inc({ destination: name, result: 'retrying', reason: code });
        naks.push(d.nak(decision.delayMs));
      } else {
        const entry: DeadLetterInput = { source: d.source, event: d.event, reason: decision.reason, attempts: d.attempt };
        if (error.status !== undefined) entry.status = error.status;
        if (error.bodyExcerpt !== undefined) entry.bodyExcerpt = error.bodyExcerpt;
        dead.push({ d, entry, label: error.retryable ? 'max_age' : error.kind });
      }
    }
    const last = items[items.length - 1];
    if (last) {
      stats.recordError(last.error, last.d.event.messageId, t);
      this.#logFailure(last.error, items.length);
    }
    if (dead.length > 0) await this.#deadLetter(dead);
    return naks;
  }

  async #deadLetter(dead: Array<{ d: BusDelivery; entry: DeadLetterInput; label: string }>): Promise<void> {
    const { bus, stats, metrics, log } = this.#deps;
    const name = this.#config.name;
    try {
      await bus.deadLetter(name, dead.map((x) => x.entry));
    } catch (err) {
      // Not stored as a dead letter, so not acked either: it comes back after a pause.
      log({ level: 'error', msg: 'dead-lettering failed; the events will be retried', destination: name, error: String(err) });
      await this.settleAll(dead.map((x) => x.d.nak(this.#config.retry.initialMs)));
      return;
    }
    stats.deadLettered += dead.length;
    for (const x of dead) {
      stats.unmarkRetrying(`${x.d.source}\u0000${x.d.seq}`);
      metrics.deliveryEvents.inc({ destination: name, result: 'dead_lettered', reason: x.label });
    }
    await this.settleAll(dead.map((x) => x.d.ack()));
  }

  /** Returns events unprocessed (shutdown): redelivered right away, to this or the next process. */
  handBack(deliveries: readonly BusDelivery[]): Pending {
    return this.settleAll(deliveries.map((d) => d.nak(0)));
  }

  async settleAll(pending: readonly Pending[]): Promise<void> {
    if (pending.length === 0) return;
    const results = await Promise.allSettled(pending);
    const failures = results.filter((r) => r.status === 'rejected');
    if (failures.length > 0) {
      // The bus will redeliver whatever it did not record: a duplicate at worst, never a loss.
      this.#deps.log({
        level: 'warn',
        msg: `recording ${failures.length} delivery outcome(s) on the bus failed`,
        destination: this.#config.name,
        error: String((failures[0] as PromiseRejectedResult).reason),
      });
    }
  }

  #logFailure(error: DeliveryError, count: number): void {
    const key = errorCode(error);
    const t = Date.now();
    if (t - (this.#lastLogged.get(key) ?? 0) < LOG_EVERY_MS) return;
    this.#lastLogged.set(key, t);
    this.#deps.log({ level: 'warn', msg: error.message, destination: this.#config.name, code: key, kind: error.kind, events: count });
  }
}

export function errorCode(error: DeliveryError): string {
  return error.status !== undefined ? String(error.status) : (error.code ?? error.kind);
}

function missingResult(): DeliveryError {
  return new DeliveryError('sending: the destination returned no result for the event', { kind: 'retryable', code: 'internal' });
}
