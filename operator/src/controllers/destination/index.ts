import { GROUP, type Destination } from '../../api/index.ts';
import type { PlanRef } from '../../../../runtime/src/mapping/index.ts';
import { readyWithDelivery } from '../../feedback/ready.ts';
import { feedWatch } from '../../feedback/wire.ts';
import {
  applyIfChanged,
  keyOf,
  objectKey,
  ownerKeys,
  ownerReference,
  Resources,
  splitKey,
  watch,
  type ControllerOptions,
  type Summary,
} from '../../kube/index.ts';
import { finishWithBus, provision, stopWorkloadFirst, withBus } from '../../bus/index.ts';
import { ensureFinalizer } from '../common/cleanup.ts';
import { Fresh } from '../common/fresh.ts';
import type { ControllerDeps } from '../common/deps.ts';
import { childName } from '../common/labels.ts';
import { availableCondition, deployedSummary, rolloutChanged, rolloutOf } from '../common/rollout.ts';
import { nextStatus, writeStatus } from '../common/status.ts';
import { specChanged, watchPrimary, watchReferences } from '../common/watch.ts';
import { runtimeConfigMap, runtimeDeployment } from '../common/workload.ts';
import { BY_CONFIG_MAP, BY_PLAN, BY_SECRET, BY_SOURCE, type Informers } from '../informers.ts';
import { checkDestinationCached, checkMappingCached } from './check.ts';
import { decideDestination, type DestinationInput } from './decide.ts';
import { mappingCondition } from './plan.ts';

export const DESTINATION_CONTROLLER = 'destination';
export const DEFAULT_REPLICAS = 1;

/** Destination: checks the spec, then renders the delivery config and Deployment. */
export function destinationController(deps: ControllerDeps): Pick<ControllerOptions, 'name' | 'watches' | 'reconcile'> {
  const inf = deps.informers;
  const c = {
    destinations: deps.client.resource(Resources.destinations),
    configMaps: deps.client.resource(Resources.configMaps),
    deployments: deps.client.resource(Resources.deployments),
  };
  const fresh = new Fresh<Destination>();
  const owned = ownerKeys('Destination', GROUP);
  return {
    name: DESTINATION_CONTROLLER,
    watches: [
      watchPrimary(inf.destinations),
      // Whether a Source exists, and which TrackingPlan it enforces (the mapping is checked against it).
      watchReferences(inf.sources, (s) => inf.destinations.byIndex(BY_SOURCE, keyOf(s)).map(keyOf), (a, b) => a.spec.trackingPlanRef?.name !== b.spec.trackingPlanRef?.name),
      watchReferences(
        inf.trackingPlans,
        (p) => inf.sources.byIndex(BY_PLAN, keyOf(p)).flatMap((s) => inf.destinations.byIndex(BY_SOURCE, keyOf(s)).map(keyOf)),
        specChanged,
      ),
      watch(inf.secrets, (s) => inf.destinations.byIndex(BY_SECRET, keyOf(s)).map(keyOf)),
      // Our own ConfigMaps wake their owner; any ConfigMap wakes the Destinations reading a function from it.
      watch(inf.configMaps, (cm) => [...owned(cm), ...inf.destinations.byIndex(BY_CONFIG_MAP, keyOf(cm)).map(keyOf)]),
      watchReferences(inf.deployments, owned, rolloutChanged),
      // The delivery pods' stats, at most every 5 s per Destination.
      ...(deps.feed ? [feedWatch(deps.feed, 'Destination')] : []),
    ],
    async reconcile(ctx, key) {
      const inCache = inf.destinations.get(key);
      if (!inCache) {
        fresh.forget(key);
        const { namespace, name } = splitKey(key);
        deps.feed?.forget('Destination', namespace ?? 'default', name);
        return {};
      }
      const cached = fresh.latest(inCache);
      const ns = cached.metadata.namespace ?? 'default';
      const fin = await ensureFinalizer(c.destinations, cached, async () => {
        if (deps.bus) await stopWorkloadFirst(c.deployments, inf.deployments.get(objectKey(ns, childName(cached.metadata.name, 'deliver'))), ctx.log);
        await deps.janitor.deleteDestination(ns, cached.metadata.name);
      });
      if (fin.done) return {};
      const dst = fresh.wrote(cached, fin.object);

      const input = gather(inf, dst);
      // Sources on their way out lose their streams (and these consumers) to the cleanup finalizer.
      const live = [...input.sources].filter((s) => !inf.sources.get(objectKey(ns, s))?.metadata.deletionTimestamp);
      const bus = await provision(deps.bus, (b) => b.ensureDestination(ns, dst.metadata.name, dst.spec, live));
      const d = decideDestination(input, checkDestinationCached);
      const name = childName(dst.metadata.name, 'deliver');
      let deployment = inf.deployments.get(objectKey(ns, name));
      let summary: Summary;
      if (d.kind === 'deploy') {
        const ref = ownerReference(dst);
        await applyIfChanged(c.configMaps, runtimeConfigMap(dst, ref, 'deliver', d.config), inf.configMaps.get(objectKey(ns, name)));
        const desired = runtimeDeployment({
          owner: dst,
          ownerRef: ref,
          component: 'deliver',
          replicas: dst.spec.replicas ?? DEFAULT_REPLICAS,
          secrets: d.secrets,
          digest: d.digest,
          settings: deps.workload,
        });
        deployment = (await applyIfChanged(c.deployments, desired, deployment)).object;
        summary = deployedSummary(`delivery Deployment ${name}`, name, rolloutOf(deployment)!);
      } else {
        summary = d.summary;
      }

      summary = withBus(summary, bus);
      const rollout = rolloutOf(deployment);
      const fb = deps.feed?.statusFor('Destination', ns, dst.metadata.name, dst.status);
      const status = nextStatus(
        dst.status,
        summary,
        { ...fb?.fields },
        [availableCondition(name, rollout), mappingCondition(dst.spec, input.plans ?? [], checkMappingCached), ...(fb?.conditions ?? [])],
        dst.metadata.generation,
        deps.now(),
      );
      status.conditions = readyWithDelivery(dst.status?.conditions, status.conditions, fb?.conditions ?? [], dst.metadata.generation, deps.now());
      const { written, object } = await writeStatus<Destination, NonNullable<Destination['status']>>(c.destinations, dst, status, deps.recorder);
      fresh.wrote(dst, object);
      return finishWithBus(summary, written, bus);
    },
  };
}

function gather(inf: Informers, dst: Destination): DestinationInput {
  const ns = dst.metadata.namespace;
  const sources = new Set(dst.spec.sources.map((s) => s.name).filter((n) => inf.sources.get(objectKey(ns, n)) !== undefined));
  const cred = dst.spec.credentials ? inf.secrets.get(objectKey(ns, dst.spec.credentials.secretRef.name)) : undefined;
  const fn = dst.spec.function ? inf.configMaps.get(objectKey(ns, dst.spec.function.configMapRef.name)) : undefined;
  const plans = new Map<string, PlanRef>();
  for (const s of dst.spec.sources) {
    const ref = inf.sources.get(objectKey(ns, s.name))?.spec.trackingPlanRef;
    const plan = ref ? inf.trackingPlans.get(objectKey(ns, ref.name)) : undefined;
    if (plan && !plans.has(plan.metadata.name)) plans.set(plan.metadata.name, { name: plan.metadata.name, spec: plan.spec });
  }
  return {
    destination: dst,
    sources,
    plans: [...plans.values()],
    ...(cred ? { credentials: { keys: Object.keys(cred.data ?? {}), resourceVersion: cred.metadata.resourceVersion ?? '' } } : {}),
    ...(fn ? { functionData: fn.data ?? {} } : {}),
  };
}
