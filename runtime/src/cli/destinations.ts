import { DESTINATIONS } from '../delivery/destinations/index.ts';
import type { DestinationType } from '../delivery/types.ts';
import type { Command } from './commands.ts';

const HELP = `Usage: sluice destinations [-t <type>] [-o json]

Lists the destination types this build of Sluice can deliver to: what each does, the
settings it takes in a Destination's spec.settings (type, default, whether required),
and its default mapping — the CEL expressions that shape the payload when the
Destination sets no spec.mapping. Keys in spec.mapping replace the default for that key
and everything beneath it; set a key to null to leave a default field out.

Options:
  -t, --type <type>      show one type
  -o, --output <format>  text (default) or json (the settings as JSON Schema)
  -h, --help             this help

Examples:
  sluice destinations
  sluice destinations -t meta-capi
  sluice destinations -o json | jq '.[].type'
`;

export const destinationsCommand: Command = {
  name: 'destinations',
  options: {
    type: { type: 'string', short: 't' },
    output: { type: 'string', short: 'o', default: 'text' },
  },
  help: HELP,
  run: (values, positionals?: string[]) => Promise.resolve(runDestinations(values, positionals ?? [], (t) => process.stdout.write(t), (t) => process.stderr.write(t))),
};

export function runDestinations(
  values: Record<string, unknown>,
  positionals: readonly string[],
  out: (text: string) => void,
  err: (text: string) => void,
  types: readonly DestinationType[] = DESTINATIONS,
): number {
  const output = typeof values.output === 'string' ? values.output : 'text';
  if (output !== 'text' && output !== 'json') {
    err(`sluice destinations: --output must be text or json, got "${output}"\n`);
    return 2;
  }
  const wanted = [...positionals, ...(typeof values.type === 'string' ? [values.type] : [])];
  if (wanted.length > 1) {
    err(`sluice destinations: one type at a time, got ${wanted.join(', ')}\n`);
    return 2;
  }
  let shown = types;
  if (wanted[0] !== undefined) {
    const one = types.find((t) => t.type === wanted[0]);
    if (!one) {
      err(`sluice destinations: no destination type "${wanted[0]}"; known: ${types.map((t) => t.type).join(', ')}\n`);
      return 1;
    }
    shown = [one];
  }
  if (output === 'json') {
    out(`${JSON.stringify(shown.map(describeJson), null, 2)}\n`);
    return 0;
  }
  const parts = shown.map(describeType);
  if (shown.length > 1) parts.unshift(summaryTable(shown));
  out(`${parts.join('\n')}\n`);
  return 0;
}

function summaryTable(types: readonly DestinationType[]): string {
  const width = Math.max(...types.map((t) => t.type.length));
  return [`${types.length} destination types:`, ...types.map((t) => `  ${t.type.padEnd(width)}  ${t.description}`), ''].join('\n');
}

function describeJson(t: DestinationType) {
  return {
    type: t.type,
    ...(t.displayName ? { displayName: t.displayName } : {}),
    description: t.description,
    ...(t.maxBatchSize ? { maxBatchSize: t.maxBatchSize } : {}),
    settings: t.settingsSchema,
    defaultMapping: t.defaultMapping ?? null,
  };
}

export function describeType(t: DestinationType): string {
  const lines = [`${t.type}${t.displayName ? ` (${t.displayName})` : ''}`, `  ${t.description}`];
  if (t.displayName) lines.push(`  Turned off for an event by integrations: {"${t.displayName}": false} (or the Destination's name).`);
  if (t.maxBatchSize) lines.push(`  At most ${t.maxBatchSize} event${t.maxBatchSize === 1 ? '' : 's'} per request.`);
  lines.push('', '  Settings (spec.settings):');
  const rows = settingRows(t.settingsSchema, 4, 0);
  lines.push(...(rows.length > 0 ? rows : ['    (none)']));
  lines.push('', '  Default mapping (spec.mapping replaces it key by key):');
  const mapping = Object.entries(t.defaultMapping ?? {});
  if (mapping.length === 0) lines.push('    (none: events are sent as they are, unless spec.mapping shapes them)');
  else {
    const width = Math.min(32, Math.max(...mapping.map(([k]) => k.length)));
    for (const [k, v] of mapping) lines.push(`    ${k.padEnd(width)}  ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

type Schema = Record<string, unknown>;

const MAX_DEPTH = 6;

/** One row per setting: name, kind, required or default; the description beneath; nested objects indented. */
function settingRows(schema: Schema, indent: number, depth: number): string[] {
  const props = schema.properties as Record<string, Schema> | undefined;
  if (!props || depth > MAX_DEPTH) return [];
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  for (const [name, s] of Object.entries(props)) {
    const facts = [kindOf(s)];
    if (required.has(name)) facts.push('required');
    if (s.default !== undefined && !(typeof s.default === 'object' && s.default !== null && Object.keys(s.default).length === 0)) {
      facts.push(`default ${JSON.stringify(s.default)}`);
    }
    out.push(`${pad}${name}  (${facts.join(', ')})`);
    if (typeof s.description === 'string') out.push(`${pad}    ${s.description}`);
    const limits = limitsOf(s);
    if (limits) out.push(`${pad}    ${limits}`);
    if (s.type === 'object' && s.properties) out.push(...settingRows(s, indent + 4, depth + 1));
  }
  return out;
}

/** string, integer, bool, POST | PUT, list of string, map of string, object. */
export function kindOf(s: Schema, depth = 0): string {
  if (depth > MAX_DEPTH) return 'any';
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (Array.isArray(union)) {
    if (union.every((u) => 'const' in u && typeof u.const === 'string')) return union.map((u) => String(u.const)).join(' | ');
    return union.map((u) => kindOf(u, depth + 1)).join(' | ');
  }
  switch (s.type) {
    case 'boolean':
      return 'bool';
    case 'array':
      return `list of ${s.items ? kindOf(s.items as Schema, depth + 1) : 'any'}`;
    case 'object': {
      if (s.properties) return 'object';
      const values = s.patternProperties ? Object.values(s.patternProperties as Record<string, Schema>)[0] : s.additionalProperties;
      return typeof values === 'object' && values !== null ? `map of ${kindOf(values as Schema, depth + 1)}` : 'map';
    }
    case undefined:
      return 'any';
    default:
      return String(s.type);
  }
}

function limitsOf(s: Schema): string | undefined {
  const parts: string[] = [];
  if (typeof s.minimum === 'number' && typeof s.maximum === 'number') parts.push(`${s.minimum} to ${s.maximum}`);
  else if (typeof s.minimum === 'number') parts.push(`at least ${s.minimum}`);
  else if (typeof s.maximum === 'number') parts.push(`at most ${s.maximum}`);
  if (typeof s.pattern === 'string') parts.push(`matches ${s.pattern}`);
  if (typeof s.format === 'string') parts.push(`format ${s.format}`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}
