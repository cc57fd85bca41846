import type { Pipeline } from './pipeline.ts';

interface Counts {
  [name: string]: unknown;
}

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

export function summaryLine(sources: Record<string, Counts>, destinations: Record<string, Counts>): string {
  const n = (c: Counts | undefined, k: string) => (typeof c?.[k] === 'number' ? (c[k] as number) : 0);
  const src = Object.entries(sources).map(
    ([name, c]) => `${name}: ${n(c, 'received')} in, ${n(c, 'accepted')} accepted, ${n(c, 'blocked')} blocked, ${n(c, 'rejected')} rejected`,
  );
  const dst = Object.entries(destinations).map(
    ([name, c]) => `${name}: ${n(c, 'delivered')} delivered, ${n(c, 'retrying')} retrying, ${n(c, 'deadLettered')} dead-lettered, lag ${n(c, 'lag')}`,
  );
  return [...src, ...dst].join(' | ') || 'no sources or destinations';
}
