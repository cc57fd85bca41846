import type { HttpRequestSpec } from '../../delivery/types.ts';
import type { ReadEvents } from './input.ts';
import type { DryRun } from './dry-run.ts';

/** Everything `sluice preview` has to say about one Destination. */
export interface PreviewReport {
  destination: { name: string; type: string; sources: string[] };
  /** Facts about how the preview was made (placeholder credentials, which plan, where events came from). */
  notes: string[];
  results: DryRun[];
  refused: ReadEvents['refused'];
  /** When several events get through and the destination batches: the requests they make together. */
  batched?: HttpRequestSpec[];
}

const VALUE_WIDTH = 100;

export function renderText(report: PreviewReport): string {
  const { destination: d } = report;
  const lines = [`Destination ${d.name} (${d.type}) ← ${d.sources.join(', ')}`];
  for (const n of report.notes) lines.push(`  note: ${n}`);
  const total = report.results.length + report.refused.length;
  report.results.forEach((r, i) => {
    lines.push('', `Event ${i + 1} of ${total}: ${r.label} (messageId ${r.messageId})`);
    for (const s of r.steps) lines.push(`  ${s.passed ? '✓' : '✗'} ${s.step}: ${s.detail}`);
    if (r.fields && r.fields.length > 0) {
      lines.push('  Mapping:');
      const width = Math.min(32, Math.max(...r.fields.map((f) => f.key.length)));
      for (const f of r.fields) {
        const shown = 'value' in f ? clip(JSON.stringify(f.value), VALUE_WIDTH) : `(omitted: ${f.omitted})`;
        lines.push(`    ${f.key.padEnd(width)}  ${shown}`);
      }
    }
    if (r.droppedAt) {
      lines.push(`  → not sent: dropped at ${r.droppedAt}`);
      return;
    }
    if (r.requests === undefined && r.payload !== undefined) lines.push('  Payload:', indent(JSON.stringify(r.payload, null, 2), 4));
    r.requests?.forEach((req, j) => lines.push(`  Request ${j + 1} of ${r.requests!.length}:`, ...renderRequest(req, 4)));
  });
  report.refused.forEach((x) => {
    lines.push('', `Event ${x.index + 1} of ${total}: refused by the ingest: ${x.code}${x.field ? ` (${x.field})` : ''}: ${x.message}`);
  });
  if (report.batched && report.batched.length > 0) {
    const sent = report.results.filter((r) => !r.droppedAt).length;
    lines.push('', `Together, the ${sent} events that get through make ${report.batched.length} request${report.batched.length === 1 ? '' : 's'}:`);
    report.batched.forEach((req, j) => lines.push(`  Request ${j + 1} of ${report.batched!.length} (${req.messageIds.length} events):`, ...renderRequest(req, 4)));
  }
  const sent = report.results.filter((r) => !r.droppedAt).length;
  lines.push('', `${sent} of ${total} event${total === 1 ? '' : 's'} would be sent.`);
  return `${lines.join('\n')}\n`;
}

/** Method and URL, headers, a blank line, the body (JSON pretty-printed). */
export function renderRequest(req: HttpRequestSpec, by: number): string[] {
  const pad = ' '.repeat(by);
  const out = [`${pad}${req.method} ${req.url}`];
  for (const [k, v] of Object.entries(req.headers)) out.push(`${pad}${k}: ${v}`);
  out.push('');
  out.push(indent(prettyBody(req.body), by));
  return out;
}

export function prettyBody(body: string): string {
  if (body === '') return '(empty body)';
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // Newline-delimited JSON, one object per line.
    const lines = body.split('\n').filter((l) => l !== '');
    try {
      return lines.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join('\n');
    } catch {
      return body;
    }
  }
}

function indent(text: string, by: number): string {
  const pad = ' '.repeat(by);
  return text
    .split('\n')
    .map((l) => (l === '' ? l : pad + l))
    .join('\n');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
