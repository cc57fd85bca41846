/**
 * A token bucket per Source and process: `rate` requests a second on average, bursts of up
 * to one second's worth. Limits are per replica, as the Source field says.
 */
export class TokenBucket {
  readonly rate: number;
  readonly #capacity: number;
  #tokens: number;
  #last: number;

  constructor(ratePerSecond: number, now: number) {
    this.rate = ratePerSecond;
    this.#capacity = Math.max(1, ratePerSecond);
    this.#tokens = this.#capacity;
    this.#last = now;
  }

  /** Takes a token: 0 when allowed, else the whole seconds to wait before one is available. */
  take(now: number): number {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.rate);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.rate));
  }
}
