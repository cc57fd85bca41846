export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with full jitter: the ceiling doubles per attempt from `initialMs`
 * up to `maxMs`, and the delay is uniform below it, so a crowd of failed events spreads
 * out instead of returning in lockstep. `attempt` is 1 after the first failure.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}
