/**
 * Counts requests in flight for one destination (maxInFlight). A released slot passes
 * straight to the longest waiter; `cancel` wakes every waiter empty-handed at shutdown.
 */
export class Slots {
  #free: number;
  #waiters: Array<(granted: boolean) => void> = [];
  #cancelled = false;

  constructor(size: number) {
    this.#free = size;
  }

  get free(): number {
    return this.#free;
  }

  /** Resolves true holding a slot, or false once cancelled (holding nothing). */
  acquire(): Promise<boolean> {
    if (this.#cancelled) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next(true);
    else this.#free++;
  }

  cancel(): void {
    this.#cancelled = true;
    for (const w of this.#waiters.splice(0)) w(false);
  }
}
