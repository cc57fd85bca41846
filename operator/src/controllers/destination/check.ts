import { createHash } from 'node:crypto';
import type { DestinationRuntime } from '../../../../runtime/src/config.ts';
import { checkDestination, DESTINATIONS } from '../../../../runtime/src/delivery/index.ts';
import { canonicalJson } from '../../../../runtime/src/plan/index.ts';

/** Specs kept checked; resyncs and status updates re-run reconciles of unchanged specs. */
const CACHE_SIZE = 4096;
const cache = new Map<string, string[]>();

/**
 * What the runtime would refuse in a Destination (settings against the type's schema, CEL
 * filter and mapping, credentials keys the settings name), checked once per distinct spec,
 * credentials key set and function source. Values of credentials never reach the operator:
 * the check sees placeholders, so it judges which keys exist, not what they hold.
 */
export function checkDestinationCached(name: string, runtime: Omit<DestinationRuntime, 'name'>): string[] {
  const id = createHash('sha256')
    .update(canonicalJson({ spec: runtime.spec, keys: Object.keys(runtime.credentials).sort(), fn: runtime.functionSource ?? null }))
    .digest('hex');
  const hit = cache.get(id);
  if (hit) {
    cache.delete(id);
    cache.set(id, hit);
    return hit;
  }
  let problems: string[];
  try {
    problems = checkDestination({ name, ...runtime }, DESTINATIONS);
  } catch (err) {
    problems = [`checking the destination: ${(err as Error).message}`];
  }
  cache.set(id, problems);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return problems;
}
