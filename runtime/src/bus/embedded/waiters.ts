/**
 * Fetches waiting for events, by source id: a commit that stores events (or makes some
 * due again) wakes them; otherwise each wakes on its own timer.
 */
export class Waiters {
  readonly #bySource = new Map<number, Set<() => void>>();

  /** Resolves after `ms`, or earlier on wake(sourceId) / wakeAll(). */
  wait(sourceId: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#bySource.get(sourceId);
      if (!set) this.#bySource.set(sourceId, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.#bySource.get(sourceId) === waiters) this.#bySource.delete(sourceId);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.ceil(ms)));
      waiters.add(done);
    });
  }

  wake(sourceId: number): void {
    const set = this.#bySource.get(sourceId);
    if (set) for (const done of [...set]) done();
  }

  wakeAll(): void {
    for (const id of [...this.#bySource.keys()]) this.wake(id);
  }

  get size(): number {
    let n = 0;
    for (const set of this.#bySource.values()) n += set.size;
    return n;
  }
}
