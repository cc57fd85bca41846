// Reads kubectl's human output (`kubectl get sluice`): one table per kind, separated by blank
// lines, columns left-aligned under their headers. Cells are cut at the header offsets, so an
// empty cell (a printer column whose field is unset) stays an empty string.

export interface Table {
  headers: string[];
  rows: Record<string, string>[];
}

export function parseTables(text: string): Table[] {
  const tables: Table[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const [head, ...body] = lines;
    if (head === undefined) continue;
    const starts = [...head.matchAll(/\S+/g)].map((m) => m.index);
    const headers = [...head.matchAll(/\S+/g)].map((m) => m[0]);
    const rows = body.map((line) =>
      Object.fromEntries(headers.map((h, i) => [h, line.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : undefined).trim()])),
    );
    tables.push({ headers, rows });
  }
  return tables;
}

/** The table whose first row's NAME starts with `prefix` (e.g. `source.sluice.dev/`). */
export function tableOf(tables: readonly Table[], prefix: string): Table {
  const t = tables.find((x) => x.rows[0]?.NAME?.startsWith(prefix));
  if (!t) throw new Error(`reading kubectl output: no table of ${prefix}… among ${tables.map((x) => x.rows[0]?.NAME ?? '(empty)').join(', ')}`);
  return t;
}
