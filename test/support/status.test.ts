import { describe, expect, it } from 'vitest';
import { countOf, metricValue, recentOf } from './status.ts';

const TEXT = `# HELP sluice_ingest_events_total Events
# TYPE sluice_ingest_events_total counter
sluice_ingest_events_total{source="web",outcome="rejected",reason="no_user_anon_id"} 2
sluice_ingest_events_total{source="web",outcome="rejected",reason="event_not_string"} 1
sluice_ingest_events_total{source="api",outcome="rejected",reason="no_user_anon_id"} 5
sluice_ingest_events_total_extra{source="web"} 100
sluice_up 1
`;

describe('metricValue', () => {
  it('sums the samples matching the labels', () => {
    expect(metricValue(TEXT, 'sluice_ingest_events_total', { source: 'web' })).toBe(3);
    expect(metricValue(TEXT, 'sluice_ingest_events_total', { reason: 'no_user_anon_id' })).toBe(7);
    expect(metricValue(TEXT, 'sluice_ingest_events_total')).toBe(8);
  });
  it('reads metrics without labels and answers 0 for absent ones', () => {
    expect(metricValue(TEXT, 'sluice_up')).toBe(1);
    expect(metricValue(TEXT, 'sluice_missing')).toBe(0);
    expect(metricValue(TEXT, 'sluice_ingest_events_total', { source: 'nope' })).toBe(0);
  });
});

describe('status entries', () => {
  it('accepts a bare count or {count, recent}', () => {
    expect(countOf(3)).toBe(3);
    expect(countOf({ count: 4, recent: [] })).toBe(4);
    expect(countOf(undefined)).toBe(0);
    expect(recentOf({ count: 1, recent: [{ status: 400 }, 'x'] })).toEqual([{ status: 400 }]);
    expect(recentOf(2)).toEqual([]);
  });
});
