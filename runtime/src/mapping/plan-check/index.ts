import type { DestinationSpec } from '../../../../operator/src/api/index.ts';
import type { SourceRuntime } from '../../config.ts';
import type { LoadResult, Problem } from '../../manifests/index.ts';
import { checkMappingAgainstPlan, type MappingWarning, type PlanRef } from './check.ts';

export { checkMappingAgainstPlan, type MappingSpec, type MappingWarning, type MappingWarningKind, type PlanRef } from './check.ts';

/**
 * Warnings for one Destination against the TrackingPlan of each Source it reads (each
 * plan once). What the operator reports as a warning condition and `sluice validate`
 * prints; neither fails on them.
 */
export function destinationWarnings(spec: Pick<DestinationSpec, 'sources' | 'filter' | 'mapping'>, sources: readonly SourceRuntime[]): MappingWarning[] {
  const plans = new Map<string, PlanRef>();
  for (const ref of spec.sources) {
    const plan = sources.find((s) => s.name === ref.name)?.plan;
    if (plan && !plans.has(plan.name)) plans.set(plan.name, plan);
  }
  return [...plans.values()].flatMap((plan) => checkMappingAgainstPlan(spec, plan));
}

/** `filter: … (column 12)`: one line per warning, for a condition message or a log. */
export function formatWarning(w: MappingWarning): string {
  return `${w.field}: ${w.message} (${where(w)})`;
}

function where(w: MappingWarning): string {
  return w.expression.includes('\n') ? `line ${w.position.line}, column ${w.position.column}` : `column ${w.position.column}`;
}

const MAX_QUOTED = 80;

/** The expression on one line, cut short: enough to find it in the file. */
function quote(expression: string): string {
  const flat = expression.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > MAX_QUOTED ? `${flat.slice(0, MAX_QUOTED - 1)}…` : flat);
}

/**
 * The warnings of every Destination in loaded manifests, located like problems (file,
 * line, Destination/name, spec field) so `formatProblems` prints them; the message starts
 * with "warning:". Only Destinations and Sources that loaded cleanly are checked.
 */
export function manifestWarnings(loaded: LoadResult): Problem[] {
  const out: Problem[] = [];
  for (const d of loaded.resources.destinations) {
    const name = d.resource.metadata.name;
    for (const w of destinationWarnings(d.resource.spec, loaded.config.sources)) {
      out.push({ file: d.file, line: d.line, kind: 'Destination', name, path: `spec.${w.field}`, message: `warning: ${w.message} (${where(w)} of ${quote(w.expression)})` });
    }
  }
  return out;
}
