import type { Source, TrackingPlanSpec } from '../../api/index.ts';
import { progressing, stalled, type Summary } from '../../kube/index.ts';
import {
  referencedSecrets,
  renderConfig,
  renderedDigest,
  renderSource,
  serializeRendered,
} from '../../../../runtime/src/cluster/rendered.ts';

/** Where the referenced TrackingPlan stands. */
export type PlanRef =
  | { state: 'none' }
  | { state: 'missing'; name: string }
  | { state: 'invalid'; name: string; message: string }
  | { state: 'ok'; name: string; spec: TrackingPlanSpec };

/** What the operator knows of a Secret: its keys and version, never the values. */
export interface SecretInfo {
  keys: readonly string[];
  resourceVersion: string;
}

export interface SourceInput {
  source: Source;
  plan: PlanRef;
  /** The referenced Secrets that exist, by name. */
  secrets: ReadonlyMap<string, SecretInfo>;
}

export type SourceDecision =
  | { kind: 'wait'; summary: Summary }
  | { kind: 'stalled'; summary: Summary }
  | { kind: 'deploy'; config: string; digest: string; secrets: string[] };

/** A ConfigMap holds 1 MiB; leave room for metadata. */
export const MAX_CONFIG_BYTES = 900_000;

/**
 * Deploy, or wait for what is missing. Missing or broken references are not the Source's
 * fault and fix themselves when the object appears (Ready=False, Reconciling=True); the
 * running workload, if any, is left alone meanwhile. Every problem is named at once.
 */
export function decideSource(input: SourceInput): SourceDecision {
  const { source, plan, secrets } = input;
  const problems: { reason: string; message: string }[] = [];
  if (plan.state === 'missing') problems.push({ reason: 'TrackingPlanNotFound', message: `TrackingPlan ${plan.name} not found` });
  if (plan.state === 'invalid') problems.push({ reason: 'TrackingPlanInvalid', message: `TrackingPlan ${plan.name} does not compile: ${plan.message}` });
  const seen = new Set<string>();
  for (const w of source.spec.writeKeys) {
    const name = w.secretRef.name;
    const key = w.secretRef.key ?? 'writeKey';
    const found = secrets.get(name);
    const message = !found ? `Secret ${name} not found` : found.keys.includes(key) ? undefined : `Secret ${name} has no key ${key}`;
    if (message && !seen.has(message)) {
      seen.add(message);
      problems.push({ reason: 'SecretNotFound', message });
    }
  }
  const first = problems[0];
  if (first) return { kind: 'wait', summary: progressing(first.reason, problems.map((p) => p.message).join('; ')) };

  const rendered = renderConfig({
    ...(source.metadata.namespace ? { namespace: source.metadata.namespace } : {}),
    sources: [renderSource(source.metadata.name, source.spec, plan.state === 'ok' ? { name: plan.name, spec: plan.spec } : undefined)],
  });
  const config = serializeRendered(rendered);
  if (Buffer.byteLength(config) > MAX_CONFIG_BYTES) {
    return { kind: 'stalled', summary: stalled('ConfigTooLarge', `the rendered config is ${Buffer.byteLength(config)} bytes, over the ${MAX_CONFIG_BYTES} a ConfigMap can hold; shrink the tracking plan`) };
  }
  const names = referencedSecrets(rendered);
  const versions = Object.fromEntries(names.map((n) => [n, secrets.get(n)?.resourceVersion ?? '']));
  return { kind: 'deploy', config, digest: renderedDigest(rendered, versions), secrets: names };
}
