import { formatProblems, loadManifests, type LoadResult } from '../manifests/index.ts';
import { manifestWarnings } from '../mapping/index.ts';
import type { Command } from './commands.ts';

export const validateCommand: Command = {
  name: 'validate',
  options: { file: { type: 'string', short: 'f', multiple: true } },
  help: `Usage: sluice validate -f <file|dir> [-f …]

Checks Source, Destination, TrackingPlan, Secret and ConfigMap manifests with the same
rules the cluster applies (the CRD schemas and their CEL rules) plus what only a whole
directory shows: missing Secrets and plans, unknown sources, schemas that do not compile,
CEL filters that do not parse. Every problem is listed with its file and line.

Warnings, which do not fail: a Destination's filter or mapping reads a property or trait its
Sources' TrackingPlan does not define for the events it is evaluated on, compares a
property with a value the plan rules out, or names an event the plan does not have.

Options:
  -f, --file <path>   manifests, file or directory (repeatable; directories are read recursively)
  -h, --help          this help

Exit status: 0 when everything is valid (warnings or not), 1 when anything is wrong,
2 on usage errors.

Examples:
  sluice validate -f examples/quickstart/
  sluice validate -f deploy/sources.yaml -f deploy/destinations/
`,
  async run(values) {
    const files = (values.file as string[] | undefined) ?? [];
    if (files.length === 0) {
      process.stderr.write('sluice validate: no manifests given; pass -f <file|dir>\n');
      return 2;
    }
    const result = await loadManifests(files);
    const warnings = writePlanWarnings(result);
    if (result.problems.length > 0) {
      process.stderr.write(`${formatProblems(result.problems)}\n`);
      process.stderr.write(`${plural(result.problems.length, 'problem')} found\n`);
      return 1;
    }
    const { sources, destinations } = result.config;
    const plans = new Set(sources.flatMap((s) => (s.plan ? [s.plan.name] : [])));
    process.stdout.write(
      `ok: ${sources.length} source(s), ${destinations.length} destination(s), ${plans.size} tracking plan(s) in use${warnings > 0 ? `; ${plural(warnings, 'warning')}` : ''}\n`,
    );
    return 0;
  },
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Prints where Destinations read what their Sources' TrackingPlans do not define (one line
 * each, located like problems); returns how many. Warnings only: callers go on.
 */
export function writePlanWarnings(loaded: LoadResult, out: NodeJS.WritableStream = process.stderr): number {
  const warnings = manifestWarnings(loaded);
  if (warnings.length > 0) out.write(`${formatProblems(warnings)}\n`);
  return warnings.length;
}
