/** `GET /status` of `sluice run`, as far as tests rely on it. */
export interface SluiceStatus {
  sources: Record<string, SourceStats | undefined>;
  destinations: Record<string, DestinationStats | undefined>;
  /** Per source: a count, or `{count, recent}` with the latest entries. */
  quarantine: Record<string, CountEntry | undefined>;
  /** Per destination: a count, or `{count, recent}` with the latest entries. */
  deadLetters: Record<string, CountEntry | undefined>;
}

export interface SourceStats {
  received?: number;
  accepted?: number;
  blocked?: number;
  rejected?: number;
  lastEventTime?: string;
  topViolations?: Array<{ event?: string; field?: string; kind?: string; message?: string; count?: number; sampleMessageId?: string }>;
}

export interface DestinationStats {
  delivered?: number;
  filtered?: number;
  failed?: number;
  retrying?: number;
  deadLettered?: number;
  lag?: number;
  lastError?: { time?: string; code?: string | number; message?: string; messageId?: string };
}

export type CountEntry = number | { count: number; recent?: unknown[] };

export function countOf(entry: CountEntry | undefined): number {
  if (entry === undefined) return 0;
  return typeof entry === 'number' ? entry : entry.count;
}

export function recentOf(entry: CountEntry | undefined): Array<Record<string, unknown>> {
  if (entry === undefined || typeof entry === 'number') return [];
  return (entry.recent ?? []).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}

/**
 * Sums the samples of a Prometheus metric whose labels include `labels` (text exposition
 * format). Returns 0 when there is none.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = parseLabels(m[2] ?? '');
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return out;
}
