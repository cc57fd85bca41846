import type { Source, TrackingPlan } from '../../api/index.ts';
import { objectKey, Resources, watch, type ControllerOptions } from '../../kube/index.ts';
import { compilePlanCached } from '../../../../runtime/src/plan/index.ts';
import { feedWatch } from '../../feedback/wire.ts';
import type { ControllerDeps } from '../common/deps.ts';
import { Fresh } from '../common/fresh.ts';
import { finish, nextStatus, writeStatus } from '../common/status.ts';
import { watchReferences } from '../common/watch.ts';
import { BY_PLAN } from '../informers.ts';
import { decidePlan } from './decide.ts';

export const TRACKING_PLAN_CONTROLLER = 'trackingplan';

/** TrackingPlan: compiles the plan and reports it, with the Sources that enforce it. */
export function trackingPlanController(deps: ControllerDeps): Pick<ControllerOptions, 'name' | 'watches' | 'reconcile'> {
  const { informers: inf } = deps;
  const plans = deps.client.resource(Resources.trackingPlans);
  const fresh = new Fresh<TrackingPlan>();
  const planKey = (s: Source) => (s.spec.trackingPlanRef ? [objectKey(s.metadata.namespace, s.spec.trackingPlanRef.name)] : []);
  return {
    name: TRACKING_PLAN_CONTROLLER,
    watches: [
      watch(inf.trackingPlans),
      // A Source starting or stopping to use a plan changes the plan's status.sources.
      watchReferences(inf.sources, planKey, (old, s) => planKey(old)[0] !== planKey(s)[0]),
      // Violations across its Sources, from the ingest pods' stats.
      ...(deps.feed ? [feedWatch(deps.feed, 'TrackingPlan')] : []),
    ],
    async reconcile(_ctx, key) {
      const cached = inf.trackingPlans.get(key);
      if (!cached || cached.metadata.deletionTimestamp) {
        fresh.forget(key);
        return {};
      }
      const plan = fresh.latest(cached);
      const sources = inf.sources.byIndex(BY_PLAN, key).map((s) => s.metadata.name);
      const d = decidePlan(plan.metadata.name, plan.spec, sources, compilePlanCached);
      const fb = deps.feed?.statusFor('TrackingPlan', plan.metadata.namespace ?? 'default', plan.metadata.name);
      const status = nextStatus(plan.status, d.summary, { ...d.fields, ...fb?.fields }, [], plan.metadata.generation, deps.now());
      const { written, object } = await writeStatus<TrackingPlan, NonNullable<TrackingPlan['status']>>(plans, plan, status, deps.recorder);
      fresh.wrote(plan, object);
      return finish(d.summary, written);
    },
  };
}
