import type { DestinationSnapshot, SourceSnapshot } from './snapshot.ts';

/** Test helpers: a well-formed snapshot with the given fields changed. */
export const T0 = Date.parse('2025-03-01T14:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export function sourceSnapshot(over: Partial<SourceSnapshot> = {}): SourceSnapshot {
  return {
    v: 1,
    kind: 'source',
    name: 'web',
    namespace: 'shop',
    pod: 'ingest-web-1',
    at: iso(T0),
    windowStart: iso(T0 - 60_000),
    intervalMs: 5_000,
    counters: { received: 0, accepted: 0, duplicates: 0, blocked: 0, rejected: 0, failed: 0 },
    violations: [],
    violationCount: 0,
    ...over,
  };
}

export function destinationSnapshot(over: Partial<DestinationSnapshot> = {}): DestinationSnapshot {
  return {
    v: 1,
    kind: 'destination',
    name: 'meta-ads',
    namespace: 'shop',
    pod: 'deliver-meta-ads-1',
    at: iso(T0),
    windowStart: iso(T0 - 60_000),
    intervalMs: 5_000,
    state: 'running',
    counters: { delivered: 0, filtered: 0, filteredBy: { integrations: 0, consent: 0, filter: 0, mapping: 0 }, failed: 0, deadLettered: 0 },
    retrying: 0,
    lag: 0,
    ...over,
  };
}
