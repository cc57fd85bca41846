import type { SegmentEvent } from '../../event.ts';
import {
  classifyCallError,
  failureResult,
  handlerName,
  interpretPass,
  lostPass,
  passTimeoutMs,
  readCollected,
  type Limits,
  type PassOutcome,
} from './decide.ts';
import { Sandbox, type SandboxSpec } from './isolate.ts';
import type { FunctionLogLine, FunctionResult, UserFunction } from './types.ts';

const COLLECT_TIMEOUT_MS = 250;

interface Batch {
  id: number;
  json: string;
  events: readonly SegmentEvent[];
}

/**
 * Runs a batch the cheap way first: one call into the isolate for all events. When that
 * call cannot finish — an event loops, never settles, or the isolate dies of memory — the
 * event at fault fails and the rest run one call per event ("careful" passes, a fresh time
 * budget of batchTimeoutMs), so the fault stays with the event that caused it.
 */
export class FunctionRunner implements UserFunction {
  readonly name: string;
  readonly digest: string;
  readonly handlers: readonly string[];
  readonly #spec: SandboxSpec;
  readonly #limits: Limits;
  readonly #batchMode: boolean;
  readonly #onLog: ((line: FunctionLogLine) => void) | undefined;
  #sandbox: Sandbox | undefined;
  #disposed = false;
  #queue: Promise<unknown> = Promise.resolve();
  #batches = 0;

  constructor(spec: SandboxSpec, sandbox: Sandbox, limits: Limits, onLog?: (line: FunctionLogLine) => void) {
    this.name = spec.name;
    this.digest = spec.digest;
    this.#spec = spec;
    this.#sandbox = sandbox;
    this.handlers = sandbox.handlers;
    this.#batchMode = sandbox.handlers.includes('onBatch');
    this.#limits = limits;
    this.#onLog = onLog;
  }

  run(events: readonly SegmentEvent[]): Promise<FunctionResult[]> {
    const run = this.#queue.then(() => this.#run(events));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  dispose(): void {
    this.#disposed = true;
    this.#sandbox?.dispose();
    this.#sandbox = undefined;
  }

  async #run(events: readonly SegmentEvent[]): Promise<FunctionResult[]> {
    const n = events.length;
    if (n === 0) return [];
    const batch: Batch = { id: ++this.#batches, json: JSON.stringify(events), events };
    const results = Array.from({ length: n }, (): FunctionResult | undefined => undefined);
    const out = await this.#pass(batch, 0, n);
    let careful = 0;
    switch (out.kind) {
      case 'complete':
        return out.results;
      case 'batch':
        // A typed error from onBatch speaks for the whole batch (as in Segment); a crash is
        // narrowed down to the events that cause it.
        if (out.result.kind !== 'error' || n === 1) return events.map(() => out.result);
        break;
      case 'stuck':
        if (this.#batchMode && n > 1) break;
        out.results.forEach((r, i) => (results[i] = r));
        results[out.at] = failureResult(out.failure, this.#handler(events[out.at]), this.#limits);
        careful = out.at + 1;
        break;
      case 'lost':
        if (out.failure === 'unavailable' || out.failure === 'disposed') return events.map(() => failureResult(out.failure, '', this.#limits, out.message));
        if (n === 1) return [failureResult(out.failure, this.#handler(events[0]), this.#limits, out.message)];
        break;
    }
    await this.#careful(batch, careful, results);
    return results.map((r) => r ?? failureResult('budget', '', this.#limits));
  }

  /** One call per event from `from` on, until the budget runs out. */
  async #careful(batch: Batch, from: number, results: Array<FunctionResult | undefined>): Promise<void> {
    const deadline = performance.now() + this.#limits.batchTimeoutMs;
    for (let i = from; i < batch.events.length; i++) {
      // Start an event only with its whole allowance left, so none fails for want of time.
      if (performance.now() + this.#limits.eventTimeoutMs > deadline) return;
      const out = await this.#pass(batch, i, 1);
      const handler = this.#handler(batch.events[i]);
      if (out.kind === 'complete') results[i] = out.results[0];
      else if (out.kind === 'batch') results[i] = out.result;
      else if (out.kind === 'stuck') results[i] = failureResult(out.failure, handler, this.#limits);
      else if (out.failure === 'unavailable' || out.failure === 'disposed') {
        for (let j = i; j < batch.events.length; j++) results[j] = failureResult(out.failure, '', this.#limits, out.message);
        return;
      } else results[i] = failureResult(out.failure, handler, this.#limits, out.message);
    }
  }

  /** start, then collect: the gather step; interpretPass decides. */
  async #pass(batch: Batch, from: number, count: number): Promise<PassOutcome> {
    if (this.#disposed) return { kind: 'lost', failure: 'disposed', message: '' };
    let sandbox = this.#sandbox;
    if (!sandbox || sandbox.disposed) {
      try {
        sandbox = this.#sandbox = Sandbox.create(this.#spec);
      } catch (err) {
        return { kind: 'lost', failure: 'unavailable', message: err instanceof Error ? err.message : String(err) };
      }
    }
    // Both calls are queued at once: the isolate runs them in order, so collect sees the
    // state start left (finished, timed out or waiting forever) and the pass costs one
    // round trip to isolated-vm's thread instead of two.
    const json = sandbox.loaded === batch.id ? '' : batch.json;
    sandbox.loaded = batch.id;
    const started = sandbox.start(json, from, count, passTimeoutMs(count, this.#limits)).then(
      () => undefined,
      (err: unknown) => ({ err }),
    );
    const collecting = sandbox.collect(COLLECT_TIMEOUT_MS).then(
      (text) => ({ text }),
      (err: unknown) => ({ err }),
    );
    const startFailed = await started;
    let timedOut = false;
    if (startFailed) {
      sandbox.loaded = -1;
      const failure = this.#disposed ? 'disposed' : classifyCallError(startFailed.err);
      if (failure !== 'timeout') {
        await collecting;
        return this.#lost(sandbox, failure, startFailed.err);
      }
      timedOut = true;
    }
    const c = await collecting;
    if ('err' in c) return this.#lost(sandbox, this.#disposed ? 'disposed' : classifyCallError(c.err), c.err);
    const collected = readCollected(c.text);
    if (collected) this.#emitLogs(collected.logs, collected.droppedLogs);
    return interpretPass(collected, from, count, timedOut);
  }

  #lost(sandbox: Sandbox, failure: ReturnType<typeof classifyCallError>, err: unknown): PassOutcome {
    // Whatever state the isolate is in, the next pass starts from a fresh one.
    sandbox.dispose();
    if (this.#sandbox === sandbox) this.#sandbox = undefined;
    return lostPass(failure === 'timeout' ? 'other' : failure, err instanceof Error ? err.message : String(err));
  }

  #handler(event: SegmentEvent | undefined): string {
    return handlerName(event?.type, this.#batchMode);
  }

  #emitLogs(logs: readonly FunctionLogLine[], dropped: number): void {
    if (!this.#onLog) return;
    for (const line of logs) this.#onLog(line);
    if (dropped > 0) this.#onLog({ level: 'warn', message: `${dropped} more console line(s) dropped in this batch` });
  }
}
