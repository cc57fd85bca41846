import { describe, expect, it } from 'vitest';
import type { DestinationStats } from '../delivery/types.ts';
import { emptyStats } from '../ingest/stats.ts';
import { summaryLine } from './summary.ts';

const dest = (over: Partial<DestinationStats>): DestinationStats => ({
  type: 'webhook',
  state: 'running',
  delivered: 0,
  filtered: 0,
  filteredBy: { integrations: 0, consent: 0, filter: 0, mapping: 0 },
  failed: 0,
  retrying: 0,
  deadLettered: 0,
  lag: 0,
  ...over,
});

describe('summaryLine', () => {
  it('reads sources then destinations, each with the numbers an operator checks first', () => {
    const line = summaryLine(
      { web: { ...emptyStats(), received: 12, accepted: 10, blocked: 1, rejected: 1 } },
      { hook: dest({ delivered: 9, retrying: 1, deadLettered: 2, lag: 3 }) },
    );
    expect(line).toBe('web: 12 in, 10 accepted, 1 blocked, 1 rejected | hook: 9 delivered, 1 retrying, 2 dead-lettered, lag 3');
  });

  it('says so when nothing is configured', () => {
    expect(summaryLine({}, {})).toBe('no sources or destinations');
  });
});
