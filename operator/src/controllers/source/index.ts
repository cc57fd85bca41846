import { GROUP, type Source } from '../../api/index.ts';
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
import { compilePlanCached, PlanCompileError } from '../../../../runtime/src/plan/index.ts';
import { feedWatch } from '../../feedback/wire.ts';
import { finishWithBus, provision, withBus } from '../../bus/index.ts';
import { ensureFinalizer } from '../common/cleanup.ts';
import { Fresh } from '../common/fresh.ts';
import type { ControllerDeps } from '../common/deps.ts';
import { availableCondition, deployedSummary, rolloutChanged, rolloutOf } from '../common/rollout.ts';
import { nextStatus, writeStatus } from '../common/status.ts';
import { beyondStatus, specChanged, watchPrimary, watchReferences } from '../common/watch.ts';
import { BY_PLAN, BY_SECRET, type Informers } from '../informers.ts';
import { decideSource, type PlanRef, type SecretInfo } from './decide.ts';
import { endpointOf, ingestKeys, ingestName, renderSourceChildren } from './render.ts';

export const SOURCE_CONTROLLER = 'source';

/** Source: renders the ingest config, Deployment, Service and PodDisruptionBudget, and reports how they stand. */
export function sourceController(deps: ControllerDeps): Pick<ControllerOptions, 'name' | 'watches' | 'reconcile'> {
  const inf = deps.informers;
  const c = {
    sources: deps.client.resource(Resources.sources),
    configMaps: deps.client.resource(Resources.configMaps),
    deployments: deps.client.resource(Resources.deployments),
    services: deps.client.resource(Resources.services),
    pdbs: deps.client.resource(Resources.podDisruptionBudgets),
  };
  const fresh = new Fresh<Source>();
  const owned = ownerKeys('Source', GROUP);
  return {
    name: SOURCE_CONTROLLER,
    watches: [
      watchPrimary(inf.sources),
      watchReferences(inf.trackingPlans, (p) => inf.sources.byIndex(BY_PLAN, keyOf(p)).map(keyOf), specChanged),
      watch(inf.secrets, (s) => inf.sources.byIndex(BY_SECRET, keyOf(s)).map(keyOf)),
      watch(inf.configMaps, owned),
      watchReferences(inf.deployments, owned, rolloutChanged),
      watch(inf.services, owned),
      // The disruption controller rewrites a PDB's status as pods come and go: that wakes no one.
      watchReferences(inf.podDisruptionBudgets, owned, beyondStatus),
      // The runtime pods' stats, at most every 5 s per Source.
      ...(deps.feed ? [feedWatch(deps.feed, 'Source')] : []),
    ],
    async reconcile(_ctx, key) {
      const inCache = inf.sources.get(key);
      if (!inCache) {
        fresh.forget(key);
        const { namespace, name } = splitKey(key);
        deps.feed?.forget('Source', namespace ?? 'default', name);
        return {};
      }
      const cached = fresh.latest(inCache);
      const ns = cached.metadata.namespace ?? 'default';
      const fin = await ensureFinalizer(c.sources, cached, () => deps.janitor.deleteSource(ns, cached.metadata.name));
      if (fin.done) return {};
      const src = fresh.wrote(cached, fin.object);
      const bus = await provision(deps.bus, (b) => b.ensureSource(ns, src.metadata.name, src.spec));

      const d = decideSource({ source: src, plan: gatherPlan(inf, src), secrets: gatherSecrets(inf, src) });
      const keys = ingestKeys(src);
      let deployment = inf.deployments.get(keys.deployment);
      let summary: Summary;
      if (d.kind === 'deploy') {
        const children = renderSourceChildren(src, ownerReference(src), d, deps.workload);
        // The config before the Deployment: pods of the new template must find it. The Service
        // and the PodDisruptionBudget wait for nothing, so they go alongside the config: two
        // round trips per new Source instead of four.
        const pdb = inf.podDisruptionBudgets.get(keys.pdb);
        await Promise.all([
          applyIfChanged(c.configMaps, children.configMap, inf.configMaps.get(keys.configMap)),
          applyIfChanged(c.services, children.service, inf.services.get(keys.service)),
          children.pdb ? applyIfChanged(c.pdbs, children.pdb, pdb) : pdb && c.pdbs.delete(pdb.metadata.name, ns, { preconditions: { uid: pdb.metadata.uid } }),
        ]);
        deployment = (await applyIfChanged(c.deployments, children.deployment, deployment)).object;
        summary = deployedSummary(`ingest Deployment ${deployment.metadata.name}`, deployment.metadata.name, rolloutOf(deployment)!);
      } else {
        summary = d.summary;
      }

      summary = withBus(summary, bus);
      const rollout = rolloutOf(deployment);
      const deployed = d.kind === 'deploy' || inf.services.get(keys.service) !== undefined;
      const fb = deps.feed?.statusFor('Source', ns, src.metadata.name, src.status);
      const status = nextStatus(
        src.status,
        summary,
        { endpoint: deployed ? endpointOf(src) : undefined, readyReplicas: rollout?.readyReplicas, ...fb?.fields },
        [availableCondition(ingestName(src.metadata.name), rollout), ...(fb?.conditions ?? [])],
        src.metadata.generation,
        deps.now(),
      );
      const { written, object } = await writeStatus<Source, NonNullable<Source['status']>>(c.sources, src, status, deps.recorder);
      fresh.wrote(src, object);
      return finishWithBus(summary, written, bus);
    },
  };
}

function gatherPlan(inf: Informers, src: Source): PlanRef {
  const ref = src.spec.trackingPlanRef;
  if (!ref) return { state: 'none' };
  const plan = inf.trackingPlans.get(objectKey(src.metadata.namespace, ref.name));
  if (!plan) return { state: 'missing', name: ref.name };
  try {
    // Cached by content digest: every Source using the plan shares one compile.
    compilePlanCached(plan.metadata.name, plan.spec);
  } catch (err) {
    if (!(err instanceof PlanCompileError)) throw err;
    return { state: 'invalid', name: ref.name, message: err.message };
  }
  return { state: 'ok', name: ref.name, spec: plan.spec };
}

function gatherSecrets(inf: Informers, src: Source): Map<string, SecretInfo> {
  const out = new Map<string, SecretInfo>();
  for (const w of src.spec.writeKeys) {
    const s = inf.secrets.get(objectKey(src.metadata.namespace, w.secretRef.name));
    if (s) out.set(w.secretRef.name, { keys: Object.keys(s.data ?? {}), resourceVersion: s.metadata.resourceVersion ?? '' });
  }
  return out;
}
