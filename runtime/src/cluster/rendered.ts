import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { DestinationSpec, SourceSpec, TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import { canonicalJson } from '../plan/digest.ts';

/**
 * The rendered config: what the operator writes into each runtime ConfigMap and what
 * `sluice ingest` / `sluice deliver` read. It names Secrets and keys, never their values:
 * those reach the pod as files, `<secrets dir>/<secret>/<key>` (resolveRendered).
 */
export const RENDERED_VERSION = 1;
export { CONFIG_DIGEST_ANNOTATION, CONFIG_DIR, CONFIG_KEY, CONFIG_PATH, SECRETS_DIR } from './paths.ts';

const SecretKeyRef = Type.Object({ secret: Type.String({ minLength: 1, maxLength: 253 }), key: Type.String({ minLength: 1, maxLength: 253 }) });
export type SecretKeyRef = Static<typeof SecretKeyRef>;

const RenderedSource = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253 }),
  spec: SourceSpec,
  plan: Type.Optional(Type.Object({ name: Type.String({ minLength: 1, maxLength: 253 }), spec: TrackingPlanSpec })),
  writeKeys: Type.Array(SecretKeyRef, { minItems: 1, maxItems: 16 }),
});
export type RenderedSource = Static<typeof RenderedSource>;

const RenderedDestination = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253 }),
  spec: DestinationSpec,
  /** The Secret whose every key is a credential. */
  credentials: Type.Optional(Type.Object({ secret: Type.String({ minLength: 1, maxLength: 253 }) })),
  /** Not secret: copied from the referenced ConfigMap. */
  functionSource: Type.Optional(Type.String({ maxLength: 1_048_576 })),
});
export type RenderedDestination = Static<typeof RenderedDestination>;

const RenderedConfigSchema = Type.Object({
  version: Type.Literal(RENDERED_VERSION),
  /** The namespace of the resources: names are unique only within it (bus names will need it on a shared bus). */
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
  sources: Type.Array(RenderedSource, { maxItems: 1000 }),
  destinations: Type.Array(RenderedDestination, { maxItems: 1000 }),
});
export type RenderedConfig = Static<typeof RenderedConfigSchema>;

/** The whole file is read into memory: bounded like a ConfigMap (1 MiB). */
export const MAX_RENDERED_BYTES = 1_048_576;

export class RenderedConfigError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'RenderedConfigError';
  }
}

export function renderSource(name: string, spec: SourceSpec, plan?: { name: string; spec: TrackingPlanSpec }): RenderedSource {
  return {
    name,
    spec,
    ...(plan ? { plan } : {}),
    writeKeys: spec.writeKeys.map((w) => ({ secret: w.secretRef.name, key: w.secretRef.key ?? 'writeKey' })),
  };
}

export function renderDestination(name: string, spec: DestinationSpec, functionSource?: string): RenderedDestination {
  return {
    name,
    spec,
    ...(spec.credentials ? { credentials: { secret: spec.credentials.secretRef.name } } : {}),
    ...(functionSource !== undefined ? { functionSource } : {}),
  };
}

export function renderConfig(parts: { namespace?: string; sources?: RenderedSource[]; destinations?: RenderedDestination[] }): RenderedConfig {
  return {
    version: RENDERED_VERSION,
    ...(parts.namespace ? { namespace: parts.namespace } : {}),
    sources: parts.sources ?? [],
    destinations: parts.destinations ?? [],
  };
}

/** Canonical JSON (sorted keys): the same config always renders to the same ConfigMap bytes. */
export function serializeRendered(config: RenderedConfig): string {
  return canonicalJson(config);
}

/** The Secrets a config reads, sorted: each is mounted at `<secrets dir>/<name>`. */
export function referencedSecrets(config: RenderedConfig): string[] {
  const names = new Set<string>();
  for (const s of config.sources) for (const w of s.writeKeys) names.add(w.secret);
  for (const d of config.destinations) if (d.credentials) names.add(d.credentials.secret);
  return [...names].sort();
}

/**
 * The pod template digest: the rendered config plus the resourceVersion of every Secret it
 * reads, so editing a write key rolls the pods even though the ConfigMap stays the same.
 */
export function renderedDigest(config: RenderedConfig, secretVersions: Readonly<Record<string, string>>): string {
  const secrets = Object.fromEntries(referencedSecrets(config).map((s) => [s, secretVersions[s] ?? '']));
  return createHash('sha256').update(canonicalJson({ config, secrets })).digest('hex').slice(0, 32);
}

export function parseRendered(text: string, where = 'the rendered config'): RenderedConfig {
  if (Buffer.byteLength(text) > MAX_RENDERED_BYTES) {
    throw new RenderedConfigError(`reading ${where}: larger than ${MAX_RENDERED_BYTES} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RenderedConfigError(`reading ${where}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Value.Check(RenderedConfigSchema, value)) {
    const errors = [...Value.Errors(RenderedConfigSchema, value)].slice(0, 5).map((e) => `${e.path || '/'}: ${e.message}`);
    throw new RenderedConfigError(`reading ${where}: not a rendered config (version ${RENDERED_VERSION}): ${errors.join('; ')}`);
  }
  return value;
}
