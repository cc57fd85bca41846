/** Exponential backoff with jitter: base·2^failures, capped, then spread by ±jitter so
 * many keys failing at once do not retry in lockstep. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1: the delay is multiplied by a factor in [1 - jitter, 1 + jitter], then capped. */
  jitter: number;
}

export function backoffDelay(failures: number, opts: BackoffOptions, random: () => number = Math.random): number {
  // 2^n overflows to Infinity long after the cap; clamp the exponent to keep it finite.
  const exp = Math.min(Math.max(failures, 0), 60);
  const raw = Math.min(opts.maxMs, opts.baseMs * 2 ** exp);
  const factor = 1 - opts.jitter + 2 * opts.jitter * random();
  return Math.max(0, Math.min(opts.maxMs, Math.round(raw * factor)));
}

/**
 * A token bucket: `take(now)` returns how long the caller must wait for a token (0 when one
 * is free now) and reserves it. Bounds the overall retry rate when many keys fail together.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly ratePerMs: number;
  private readonly burst: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.ratePerMs = perSecond / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens / this.ratePerMs);
  }

  /** Takes a token only if one is free now. */
  tryTake(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + Math.max(0, now - this.last) * this.ratePerMs);
    this.last = Math.max(this.last, now);
  }
}

/** Resolves after `ms`, or at once (rejecting with the abort reason) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
