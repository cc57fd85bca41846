import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import type { PlanRules } from './check.ts';
import { compileRules, Plan } from './compile.ts';
import { planDigest } from './digest.ts';
import type { CompiledPlan } from './types.ts';

/** Plan versions kept compiled; reloads and rollbacks usually land on a recent one. */
export const PLAN_CACHE_SIZE = 32;

const rulesByDigest = new Map<string, PlanRules>();
const plans = new Map<string, Plan>();
let compiles = 0;

/**
 * compilePlan with a cache keyed by the spec's digest: reloading an unchanged plan, or the
 * same plan content under another name, does not compile again. Failures are not cached.
 */
export function compilePlanCached(name: string, spec: TrackingPlanSpec): CompiledPlan {
  const digest = planDigest(spec);
  const key = `${digest}/${name}`;
  const hit = plans.get(key);
  if (hit) {
    touch(plans, key, hit);
    touch(rulesByDigest, digest, hit.rules);
    return hit;
  }
  let rules = rulesByDigest.get(digest);
  if (rules) {
    touch(rulesByDigest, digest, rules);
  } else {
    rules = compileRules(name, spec);
    compiles++;
    remember(rulesByDigest, digest, rules);
  }
  const plan = new Plan(name, digest, rules);
  remember(plans, key, plan);
  return plan;
}

/** How many plan versions were compiled (not served from the cache) since start. */
export function planCacheStats(): { compiles: number; cached: number } {
  return { compiles, cached: rulesByDigest.size };
}

function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  while (map.size > PLAN_CACHE_SIZE) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}
