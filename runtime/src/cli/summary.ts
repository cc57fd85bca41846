import type { DestinationStats } from '../delivery/types.ts';
import type { SourceStats } from '../ingest/stats.ts';
import type { Pipeline } from './pipeline.ts';

/** Prints one line of counts at an interval when anything changed, and at least once a minute. */
export class Summary {
  #timer: NodeJS.Timeout | undefined;
  #last = '';
  #lastPrinted = 0;
  readonly #pipeline: Pipeline;
  readonly #intervalMs: number;
  readonly #print: (line: string) => void;

  constructor(pipeline: Pipeline, intervalMs: number, print: (line: string) => void) {
    this.#pipeline = pipeline;
    this.#intervalMs = intervalMs;
    this.#print = print;
  }

  start(): void {
    this.#timer = setInterval(() => this.tick(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  tick(now = Date.now()): void {
    const line = summaryLine(this.#pipeline.ingest.stats(), this.#pipeline.delivery.stats());
    if (line === this.#last && now - this.#lastPrinted < 60_000) return;
    this.#last = line;
    this.#lastPrinted = now;
    this.#print(`${new Date(now).toISOString()} ${line}`);
  }
}

export function summaryLine(sources: Record<string, SourceStats>, destinations: Record<string, DestinationStats>): string {
  const src = Object.entries(sources).map(
    ([name, c]) => `${name}: ${c.received} in, ${c.accepted} accepted, ${c.blocked} blocked, ${c.rejected} rejected`,
  );
  const dst = Object.entries(destinations).map(
    ([name, c]) => `${name}: ${c.delivered} delivered, ${c.retrying} retrying, ${c.deadLettered} dead-lettered, lag ${c.lag}`,
  );
  return [...src, ...dst].join(' | ') || 'no sources or destinations';
}
