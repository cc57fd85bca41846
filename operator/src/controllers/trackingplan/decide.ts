import type { TrackingPlanSpec, TrackingPlanStatus } from '../../api/index.ts';
import { ready, stalled, type Summary } from '../../kube/index.ts';
import { PlanCompileError } from '../../../../runtime/src/plan/index.ts';

/** The status lists at most this many Sources (the CRD's maxItems). */
export const MAX_LISTED_SOURCES = 1000;

export type PlanCompiler = (name: string, spec: TrackingPlanSpec) => { eventCount: number; digest: string };

export interface PlanDecision {
  summary: Summary;
  fields: Partial<TrackingPlanStatus>;
}

/**
 * Compiles every schema of the plan. A schema that does not compile is a spec error no
 * retry fixes: Stalled, with the compiler's message, which names the event and the
 * problem. Anything other than a PlanCompileError is a bug and propagates.
 */
export function decidePlan(name: string, spec: TrackingPlanSpec, sources: readonly string[], compile: PlanCompiler): PlanDecision {
  const listed = [...sources].sort().slice(0, MAX_LISTED_SOURCES);
  try {
    const plan = compile(name, spec);
    return {
      summary: ready('Compiled', `${plan.eventCount} planned event${plan.eventCount === 1 ? '' : 's'} compiled`),
      fields: { eventCount: plan.eventCount, digest: `sha256:${plan.digest}`, sources: listed },
    };
  } catch (err) {
    if (!(err instanceof PlanCompileError)) throw err;
    return { summary: stalled('InvalidSchema', err.message), fields: { eventCount: undefined, digest: undefined, sources: listed } };
  }
}
