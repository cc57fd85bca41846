import { createHash } from 'node:crypto';
import type { DestinationRuntime } from '../../../../runtime/src/config.ts';
import { checkDestination, DESTINATIONS } from '../../../../runtime/src/delivery/index.ts';
import { checkMappingAgainstPlan, type MappingWarning, type PlanRef } from '../../../../runtime/src/mapping/index.ts';
import { canonicalJson } from '../../../../runtime/src/plan/index.ts';
import type { DestinationSpec } from '../../api/index.ts';

/** Specs kept checked; resyncs and status updates re-run reconciles of unchanged specs. */
const CACHE_SIZE = 4096;
const problemsCache = new Map<string, string[]>();
const warningsCache = new Map<string, MappingWarning[]>();

/**
 * What the runtime would refuse in a Destination (settings against the type's schema, CEL
 * filter and mapping, credentials keys the settings name), checked once per distinct spec,
 * credentials key set and function source. Values of credentials never reach the operator:
 * the check sees placeholders, so it judges which keys exist, not what they hold.
 */
export function checkDestinationCached(name: string, runtime: Omit<DestinationRuntime, 'name'>): string[] {
  const key = { spec: runtime.spec, keys: Object.keys(runtime.credentials).sort(), fn: runtime.functionSource ?? null };
  return remember(problemsCache, key, () => {
    try {
      return checkDestination({ name, ...runtime }, DESTINATIONS);
    } catch (err) {
      return [`checking the destination: ${(err as Error).message}`];
    }
  });
}

/** The Destination's filter and mapping against each TrackingPlan, once per distinct spec and plan set. */
export function checkMappingCached(spec: Pick<DestinationSpec, 'filter' | 'mapping'>, plans: readonly PlanRef[]): MappingWarning[] {
  const key = { filter: spec.filter ?? null, mapping: spec.mapping ?? null, plans: plans.map((p) => [p.name, p.spec]) };
  return remember(warningsCache, key, () => plans.flatMap((p) => checkMappingAgainstPlan(spec, p)));
}

/** Least-recently-used: a hit moves to the end, the oldest leaves past CACHE_SIZE. */
function remember<T>(cache: Map<string, T>, key: unknown, compute: () => T): T {
  const id = createHash('sha256').update(canonicalJson(key)).digest('hex');
  const hit = cache.get(id);
  if (hit !== undefined) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  const value = compute();
  cache.set(id, value);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return value;
}
