import type { DestinationRuntime, RuntimeConfig, SourceRuntime } from '../config.ts';
import { checkDestination } from '../delivery/compile.ts';
import { DESTINATIONS } from '../delivery/destinations/index.ts';
import { compilePlanCached, PlanCompileError } from '../plan/index.ts';
import { parsePath, problemAt } from './problems.ts';
import { byName, type Catalog } from './references.ts';
import type { Problem } from './types.ts';

/**
 * The RuntimeConfig the valid objects make, and what only compiling them shows: plan
 * schemas that do not compile, destination settings that do not fit the type, CEL that
 * does not parse. These are the checks the runtime itself runs on start, so `sluice
 * validate` passing means `sluice run` starts.
 */
export function assemble(c: Catalog): { config: RuntimeConfig; problems: Problem[] } {
  const problems: Problem[] = [];
  const secrets = byName(c.secrets);
  const configMaps = byName(c.configMaps);

  const plans = new Map<string, SourceRuntime['plan']>();
  for (const p of c.plans) {
    try {
      compilePlanCached(p.name, p.resource.spec);
      plans.set(p.name, { name: p.name, spec: p.resource.spec });
    } catch (err) {
      if (!(err instanceof PlanCompileError)) throw err;
      const inSchema = err.schemaPath !== undefined ? `${err.schemaPath}: ` : '';
      problems.push(problemAt(p, ['spec', ...parsePath(err.path)], `spec.${err.path}`, `${inSchema}${err.detail}`));
    }
  }

  const sources: SourceRuntime[] = [];
  for (const s of c.sources) {
    const spec = s.resource.spec;
    const writeKeys = spec.writeKeys.flatMap((w) => {
      const value = secrets.get(w.secretRef.name)?.resource.data.get(w.secretRef.key ?? 'writeKey');
      return value ? [value] : [];
    });
    const planName = spec.trackingPlanRef?.name;
    const plan = planName === undefined ? undefined : plans.get(planName);
    sources.push({ name: s.name, spec, writeKeys, ...(plan ? { plan } : {}) });
  }

  const destinations: DestinationRuntime[] = [];
  for (const d of c.destinations) {
    const spec = d.resource.spec;
    const credentialsSecret = spec.credentials ? secrets.get(spec.credentials.secretRef.name) : undefined;
    const credentials = Object.fromEntries(credentialsSecret?.resource.data ?? []);
    const fn = spec.function?.configMapRef;
    const functionSource = fn ? configMaps.get(fn.name)?.resource.data.get(fn.key) : undefined;
    const runtime: DestinationRuntime = { name: d.name, spec, credentials, ...(functionSource !== undefined ? { functionSource } : {}) };
    let found: string[];
    try {
      found = checkDestination(runtime, DESTINATIONS);
    } catch (err) {
      found = [`checking the destination: ${(err as Error).message}`];
    }
    for (const full of found) {
      // One line per problem: CEL errors append a source excerpt with a caret.
      const text = full.split('\n')[0] ?? full;
      // The runtime names the spec field first ("settings.url: …", "filter: …") when it can.
      const m = /^([A-Za-z][\w.[\]-]*): (.*)$/s.exec(text);
      const rel = m?.[1];
      problems.push(rel ? problemAt(d, ['spec', ...parsePath(rel)], `spec.${rel}`, m[2] ?? text) : problemAt(d, ['spec'], 'spec', text));
    }
    if (found.length === 0) destinations.push(runtime);
  }
  return { config: { sources, destinations }, problems };
}
