import type { Destination } from '../../api/index.ts';
import { progressing, stalled, type Summary } from '../../kube/index.ts';
import type { DestinationRuntime } from '../../../../runtime/src/config.ts';
import { referencedSecrets, renderConfig, renderDestination, renderedDigest, serializeRendered } from '../../../../runtime/src/cluster/rendered.ts';
import type { SecretInfo } from '../source/decide.ts';
import type { PlanRef } from '../../../../runtime/src/mapping/index.ts';

export interface DestinationInput {
  destination: Destination;
  /** Names of the referenced Sources that exist. */
  sources: ReadonlySet<string>;
  /** The credentials Secret, when referenced and present. */
  credentials?: SecretInfo;
  /** The function ConfigMap's data, when referenced and present. */
  functionData?: Readonly<Record<string, string>>;
  /** The TrackingPlans of the referenced Sources (each once), for the MappingChecked warning. */
  plans?: readonly PlanRef[];
}

export type DestinationCheck = (name: string, runtime: Omit<DestinationRuntime, 'name'>) => string[];

export type DestinationDecision =
  | { kind: 'wait'; summary: Summary }
  | { kind: 'stalled'; summary: Summary }
  | { kind: 'deploy'; config: string; digest: string; secrets: string[] };

export const MAX_CONFIG_BYTES = 900_000;
/** Stands in for credential values, which the operator never reads. */
const PLACEHOLDER = 'placeholder';

/**
 * Missing references wait (they recover when the object appears); then the spec is checked
 * the way the runtime will compile it, before anything is deployed: a CEL expression that
 * does not parse or settings that do not fit the type are Stalled with the exact problems.
 */
export function decideDestination(input: DestinationInput, check: DestinationCheck): DestinationDecision {
  const { destination: dst } = input;
  const spec = dst.spec;
  const problems: { reason: string; message: string }[] = [];
  for (const s of spec.sources) {
    if (!input.sources.has(s.name)) problems.push({ reason: 'SourceNotFound', message: `Source ${s.name} not found` });
  }
  const cred = spec.credentials?.secretRef.name;
  if (cred !== undefined && !input.credentials) problems.push({ reason: 'SecretNotFound', message: `Secret ${cred} not found` });
  const fn = spec.function?.configMapRef;
  const functionSource = fn ? input.functionData?.[fn.key] : undefined;
  if (fn && !input.functionData) problems.push({ reason: 'ConfigMapNotFound', message: `ConfigMap ${fn.name} not found` });
  else if (fn && functionSource === undefined) problems.push({ reason: 'ConfigMapNotFound', message: `ConfigMap ${fn.name} has no key ${fn.key}` });
  const first = problems[0];
  if (first) return { kind: 'wait', summary: progressing(first.reason, problems.map((p) => p.message).join('; ')) };

  const credentials = Object.fromEntries((input.credentials?.keys ?? []).map((k) => [k, PLACEHOLDER]));
  const invalid = check(dst.metadata.name, { spec, credentials, ...(functionSource !== undefined ? { functionSource } : {}) });
  if (invalid.length > 0) return { kind: 'stalled', summary: stalled('InvalidSpec', invalid.join('; ')) };

  const rendered = renderConfig({
    ...(dst.metadata.namespace ? { namespace: dst.metadata.namespace } : {}),
    destinations: [renderDestination(dst.metadata.name, spec, functionSource)],
  });
  const config = serializeRendered(rendered);
  if (Buffer.byteLength(config) > MAX_CONFIG_BYTES) {
    return { kind: 'stalled', summary: stalled('ConfigTooLarge', `the rendered config is ${Buffer.byteLength(config)} bytes, over the ${MAX_CONFIG_BYTES} a ConfigMap can hold; shrink the function`) };
  }
  const names = referencedSecrets(rendered);
  const versions = cred !== undefined && input.credentials ? { [cred]: input.credentials.resourceVersion } : {};
  return { kind: 'deploy', config, digest: renderedDigest(rendered, versions), secrets: names };
}
