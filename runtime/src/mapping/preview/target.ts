import type { DestinationRuntime } from '../../config.ts';
import { compileDestination, DestinationConfigError, type CompiledDestination } from '../../delivery/compile.ts';
import { DESTINATIONS } from '../../delivery/destinations/index.ts';
import type { DestinationType } from '../../delivery/types.ts';
import { formatProblems, loadManifests, type Problem } from '../../manifests/index.ts';
import { compilePlanCached } from '../../plan/index.ts';
import type { CompiledPlan } from '../../plan/types.ts';

/** A Destination ready to preview, and what to say about how it was put together. */
export interface PreviewTarget {
  runtime: DestinationRuntime;
  compiled: CompiledDestination;
  /** Source name → the tracking plan it enforces, for the Sources found in the manifests. */
  plans: Map<string, CompiledPlan>;
  notes: string[];
}

/** The manifests do not give a Destination that can be previewed; `problems` says why. */
export class PreviewSetupError extends Error {
  readonly problems: string[];
  constructor(message: string, problems: string[] = []) {
    super(problems.length > 0 ? `${message}\n${problems.join('\n')}` : message);
    this.name = 'PreviewSetupError';
    this.problems = problems;
  }
}

const MISSING_SOURCE = /^spec\.sources\[\d+\]\.name$/;
const MISSING_SECRET = 'spec.credentials.secretRef.name';

/**
 * Loads manifests and picks the Destination to preview. Only the Destination is
 * required: without its Sources the tracking-plan step is skipped, and without its
 * credentials Secret placeholders stand in for the values (they are never real secrets).
 */
export async function loadPreviewTarget(files: string[], opts: { destination?: string; types?: readonly DestinationType[] } = {}): Promise<PreviewTarget> {
  const types = opts.types ?? DESTINATIONS;
  const loaded = await loadManifests(files);
  const found = loaded.resources.destinations.map((d) => d.resource);
  const declared = [...new Set(loaded.problems.filter((p) => p.kind === 'Destination').map((p) => p.name))];
  const name = opts.destination ?? (found.length === 1 ? found[0]!.metadata.name : undefined);
  if (name === undefined) {
    if (found.length === 0) throw new PreviewSetupError(`previewing: no valid Destination in ${files.join(', ')}`, declared.length > 0 ? lines(loaded.problems) : []);
    throw new PreviewSetupError(`previewing: the manifests hold ${found.length} Destinations (${found.map((d) => d.metadata.name).join(', ')}); choose one with --destination`);
  }
  const resource = found.find((d) => d.metadata.name === name);
  const own = loaded.problems.filter((p) => p.kind === 'Destination' && p.name === name);
  if (!resource) {
    if (own.length > 0) throw new PreviewSetupError(`previewing Destination "${name}": it is not valid`, lines(own));
    throw new PreviewSetupError(`previewing: no Destination "${name}" in the manifests; found: ${found.map((d) => d.metadata.name).join(', ') || 'none'}`);
  }

  const notes = loaded.problems.filter((p) => !(p.kind === 'Destination' && p.name === name)).map((p) => `ignored: ${lines([p])[0]}`);
  let runtime = loaded.config.destinations.find((d) => d.name === name);
  if (!runtime) {
    const secretMissing = own.some((p) => p.path === MISSING_SECRET);
    const fatal = own.filter((p) => !MISSING_SOURCE.test(p.path));
    if (!secretMissing && fatal.length > 0) throw new PreviewSetupError(`previewing Destination "${name}": it would not run`, lines(fatal));
    const secret = resource.spec.credentials?.secretRef.name;
    runtime = { name, spec: resource.spec, credentials: secretMissing && secret ? placeholders(secret) : {} };
    if (secretMissing) notes.push(`Secret "${secret}" is not in the manifests: placeholders such as <${secret}/key> stand in for its values`);
  }

  let compiled: CompiledDestination;
  try {
    compiled = compileDestination(runtime, types);
  } catch (err) {
    if (err instanceof DestinationConfigError) throw new PreviewSetupError(`previewing Destination "${name}": it would not run`, err.problems.map((p) => `  ${p.replaceAll('\n', '\n  ')}`));
    throw err;
  }

  const plans = new Map<string, CompiledPlan>();
  for (const ref of resource.spec.sources) {
    const source = loaded.config.sources.find((s) => s.name === ref.name);
    if (!source) notes.push(`Source "${ref.name}" is not in the manifests: its tracking plan, if any, is not applied`);
    else if (source.plan) plans.set(source.name, compilePlanCached(source.plan.name, source.plan.spec));
  }
  return { runtime, compiled, plans, notes };
}

function lines(problems: readonly Problem[]): string[] {
  return formatProblems(problems).split('\n').map((l) => `  ${l}`);
}

/**
 * Credentials for a preview without the Secret: every key reads as a visible placeholder,
 * so a type that builds a header from a key shows where the value would go.
 */
function placeholders(secret: string): Record<string, string> {
  return new Proxy({}, {
    // No spaces: types mask an Authorization header's credential after its scheme.
    get: (_target, key) => (typeof key === 'string' ? `<${secret}/${key}>` : undefined),
    has: () => true,
  });
}
