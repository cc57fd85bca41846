import type { TrackingPlan } from '../../api/index.ts';
import { objectKey, Resources, TerminalError, watch, type ControllerOptions } from '../../kube/index.ts';
import { compilePlanCached } from '../../../../runtime/src/plan/index.ts';
import type { ControllerDeps } from '../common/deps.ts';
import { nextStatus, writeStatus } from '../common/status.ts';
import { BY_PLAN } from '../informers.ts';
import { decidePlan } from './decide.ts';

export const TRACKING_PLAN_CONTROLLER = 'trackingplan';

/** TrackingPlan: compiles the plan and reports it, with the Sources that enforce it. */
export function trackingPlanController(deps: ControllerDeps): Pick<ControllerOptions, 'name' | 'watches' | 'reconcile'> {
  const { informers: inf } = deps;
  const plans = deps.client.resource(Resources.trackingPlans);
  return {
    name: TRACKING_PLAN_CONTROLLER,
    watches: [
      watch(inf.trackingPlans),
      // A Source starting or stopping to use a plan changes the plan's status.sources.
      watch(inf.sources, (s) => (s.spec.trackingPlanRef ? [objectKey(s.metadata.namespace, s.spec.trackingPlanRef.name)] : [])),
    ],
    async reconcile(_ctx, key) {
      const plan = inf.trackingPlans.get(key);
      if (!plan || plan.metadata.deletionTimestamp) return {};
      const sources = inf.sources.byIndex(BY_PLAN, key).map((s) => s.metadata.name);
      const d = decidePlan(plan.metadata.name, plan.spec, sources, compilePlanCached);
      const status = nextStatus(plan.status, d.summary, d.fields, [], plan.metadata.generation, deps.now());
      await writeStatus<TrackingPlan, NonNullable<TrackingPlan['status']>>(plans, plan, status, deps.recorder);
      if (d.summary.state === 'stalled') throw new TerminalError(d.summary.reason, d.summary.message);
      return {};
    },
  };
}
