import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import type { SourceRuntime } from '../config.ts';
import type { CompiledPlan } from '../plan/types.ts';
import { KeyTable } from './auth.ts';
import { OriginPolicy } from './cors.ts';
import { TokenBucket } from './ratelimit.ts';
import { emptyStats, type SourceStats } from './stats.ts';

export type PlanCompiler = (name: string, spec: TrackingPlanSpec) => CompiledPlan;

export interface Limits {
  maxEventBytes: number;
  maxBatchBytes: number;
  maxBatchEvents: number;
  requestsPerSecond: number;
}

/** Defaults as in the Source API (Segment's limits). */
export const DEFAULT_LIMITS: Limits = { maxEventBytes: 32768, maxBatchBytes: 512000, maxBatchEvents: 2500, requestsPerSecond: 0 };

/** One Source as the hot path needs it: everything compiled, nothing left to look up. */
export interface SourceState {
  readonly name: string;
  readonly reject: boolean;
  readonly limits: Limits;
  readonly origins: OriginPolicy;
  readonly plan: CompiledPlan | undefined;
  /** Planned event names: the only ones used as metric labels. */
  readonly planned: ReadonlySet<string>;
  readonly bucket: TokenBucket | undefined;
  /** Shared with the previous configuration's state of the same name, so counts survive reloads. */
  readonly stats: SourceStats;
}

/** An immutable snapshot; reload swaps the whole of it at once. */
export interface IngestConfig {
  readonly keys: KeyTable<SourceState>;
  readonly sources: ReadonlyMap<string, SourceState>;
  /** Union of every Source's origins, for preflights and answers sent before the key is known. */
  readonly origins: OriginPolicy;
  /** Largest limits of any Source: what a body may be before the key in it is known. */
  readonly maxBatchBytes: number;
  readonly maxEventBytes: number;
}

/**
 * Compiles a configuration from the Sources. Throws (the previous configuration stays in
 * force) when a plan does not compile or two Sources share a write key.
 */
export function buildConfig(sources: readonly SourceRuntime[], compile: PlanCompiler, previous: IngestConfig | undefined, now: number): IngestConfig {
  const keys = new KeyTable<SourceState>();
  const byName = new Map<string, SourceState>();
  const owner = new Map<string, string>();
  let maxBatchBytes = 0;
  let maxEventBytes = 0;
  for (const s of sources) {
    const limits: Limits = { ...DEFAULT_LIMITS, ...definedOnly(s.spec.limits ?? {}) };
    const old = previous?.sources.get(s.name);
    const plan = s.plan ? compiled(s.plan.name, s.plan.spec, compile, s.name) : undefined;
    const rate = limits.requestsPerSecond;
    const state: SourceState = {
      name: s.name,
      reject: s.spec.onInvalid === 'reject',
      limits,
      origins: new OriginPolicy(s.spec.cors?.allowedOrigins ?? ['*']),
      plan,
      planned: new Set((s.plan?.spec.events ?? []).map((e) => e.name)),
      bucket: rate > 0 ? (old?.bucket?.rate === rate ? old.bucket : new TokenBucket(rate, now)) : undefined,
      stats: old?.stats ?? emptyStats(),
    };
    byName.set(s.name, state);
    for (const key of s.writeKeys) {
      const other = owner.get(key);
      if (other !== undefined && other !== s.name) {
        throw new Error(`configuring the ingest: Sources "${other}" and "${s.name}" share a write key; each key must select one Source`);
      }
      if (other === undefined) keys.add(key, state);
      owner.set(key, s.name);
    }
    maxBatchBytes = Math.max(maxBatchBytes, limits.maxBatchBytes);
    maxEventBytes = Math.max(maxEventBytes, limits.maxEventBytes);
  }
  return {
    keys,
    sources: byName,
    origins: OriginPolicy.union(sources.map((s) => s.spec.cors?.allowedOrigins ?? ['*'])),
    maxBatchBytes: maxBatchBytes || DEFAULT_LIMITS.maxBatchBytes,
    maxEventBytes: maxEventBytes || DEFAULT_LIMITS.maxEventBytes,
  };
}

function compiled(name: string, spec: TrackingPlanSpec, compile: PlanCompiler, source: string): CompiledPlan {
  try {
    return compile(name, spec);
  } catch (err) {
    throw new Error(`configuring the ingest: compiling tracking plan "${name}" for Source "${source}": ${(err as Error).message}`, { cause: err });
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
