/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/**
 * Latency samples in a fixed-size histogram (10 µs buckets up to 10 s), so a long run at
 * thousands of requests per second costs constant memory and quantiles stay exact to 10 µs.
 */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(1_000_001);
  private n = 0;
  private maxMs = 0;

  record(ms: number): void {
    const bucket = Math.min(this.counts.length - 1, Math.max(0, Math.round(ms * 100)));
    this.counts[bucket]!++;
    this.n++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  get count(): number {
    return this.n;
  }

  get max(): number {
    return this.maxMs;
  }

  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const target = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= target) return i / 100;
    }
    return this.maxMs;
  }
}

export interface Row {
  metric: string;
  sluice: number;
  ceiling?: number;
  target?: { op: '>=' | '<='; value: number };
  unit?: string;
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '—';
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  return n.toFixed(2);
}

export function meets(row: Row): boolean | undefined {
  if (!row.target) return undefined;
  return row.target.op === '>=' ? row.sluice >= row.target.value : row.sluice <= row.target.value;
}

/** A plain-text table: each Sluice figure, the ceiling, their ratio, and the target. */
export function formatTable(rows: Row[]): string {
  const header = ['metric', 'sluice', 'ceiling', 'ratio', 'target', ''];
  const lines = rows.map((r) => {
    const ratio = r.ceiling === undefined || r.ceiling === 0 ? undefined : r.sluice / r.ceiling;
    const met = meets(r);
    return [
      r.metric,
      fmt(r.sluice),
      fmt(r.ceiling),
      ratio === undefined ? '—' : `${ratio.toFixed(2)}×`,
      r.target ? `${r.target.op === '>=' ? '≥' : '≤'} ${fmt(r.target.value)}` : '',
      met === undefined ? '' : met ? 'met' : 'MISSED',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}
