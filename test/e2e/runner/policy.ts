// The kubelet's small decisions, pure: restart or not, how long to wait, what a probe
// result does to a container's state.
import type { Probe } from '../../../operator/src/kube/index.ts';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export function restartPolicyOf(p: string | undefined): RestartPolicy {
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** Whether a container that exited (code null: killed by a signal) starts again. */
export function shouldRestart(policy: RestartPolicy, exitCode: number | null): boolean {
  if (policy === 'Always') return true;
  if (policy === 'Never') return false;
  return exitCode !== 0;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A container that ran this long counts as healthy: the next delay starts over. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 10_000, resetAfterMs: 30_000 };

/** The wait before the next start, and the crash count to carry on. */
export function nextRestart(crashes: number, ranMs: number, b: Backoff): { crashes: number; delayMs: number } {
  const n = ranMs >= b.resetAfterMs ? 0 : crashes;
  return { crashes: n + 1, delayMs: Math.min(b.maxMs, b.initialMs * 2 ** Math.min(n, 30)) };
}

export interface ProbeState {
  /** The current verdict: ready / alive / started. */
  ok: boolean;
  successes: number;
  failures: number;
}

/** Readiness and startup begin failed, liveness begins passed. */
export const initialProbeState = (kind: 'readiness' | 'liveness' | 'startup'): ProbeState => ({ ok: kind === 'liveness', successes: 0, failures: 0 });

/** The verdict flips after successThreshold passes in a row, or failureThreshold failures in a row. */
export function probeStep(s: ProbeState, passed: boolean, probe: Probe): ProbeState {
  const successThreshold = Math.max(1, probe.successThreshold ?? 1);
  const failureThreshold = Math.max(1, probe.failureThreshold ?? 3);
  if (passed) {
    const successes = s.successes + 1;
    return { ok: s.ok || successes >= successThreshold, successes, failures: 0 };
  }
  const failures = s.failures + 1;
  return { ok: s.ok && failures < failureThreshold, successes: 0, failures };
}

/** Probe timing in ms, with the API's defaults. */
export function probeTiming(p: Probe): { initialDelayMs: number; periodMs: number; timeoutMs: number } {
  return {
    initialDelayMs: Math.max(0, p.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, p.timeoutSeconds ?? 1) * 1000,
  };
}

/** Whether a set of labels matches an equality selector ("a=b,c==d" or a map). */
export function parseSelector(sel: Record<string, string> | string): Record<string, string> {
  if (typeof sel !== 'string') return sel;
  const out: Record<string, string> = {};
  for (const part of sel.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=!\s]+)\s*==?\s*(\S*)$/.exec(part);
    if (!m) throw new Error(`parsing the label selector "${sel}": only key=value terms are supported, not "${part}"`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function matchesSelector(labels: Record<string, string> | undefined, sel: Record<string, string>): boolean {
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}
