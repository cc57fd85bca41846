import { describe, expect, it } from 'vitest';
import { formatTable, LatencyHistogram, median, meets, quantile } from './stats.ts';

describe('bench statistics', () => {
  it('takes quantiles by nearest rank', () => {
    const v = [5, 1, 4, 2, 3];
    expect(median(v)).toBe(3);
    expect(quantile(v, 0.99)).toBe(5);
    expect(quantile(v, 0)).toBe(1);
    expect(median([])).toBeNaN();
  });

  it('keeps latency quantiles to 10 µs in a histogram', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 100);
    expect(h.count).toBe(1000);
    expect(h.quantile(0.5)).toBeCloseTo(5, 2);
    expect(h.quantile(0.99)).toBeCloseTo(9.9, 2);
    expect(h.max).toBe(10);
    h.record(50_000);
    expect(h.quantile(1)).toBe(10_000);
  });

  it('judges targets and prints ratios to the ceiling', () => {
    expect(meets({ metric: 'x', sluice: 60_000, target: { op: '>=', value: 50_000 } })).toBe(true);
    expect(meets({ metric: 'x', sluice: 25, target: { op: '<=', value: 20 } })).toBe(false);
    const table = formatTable([{ metric: 'batch events/s', sluice: 40_000, ceiling: 80_000, target: { op: '>=', value: 50_000 } }]);
    expect(table).toContain('0.50×');
    expect(table).toContain('MISSED');
    expect(table).toContain('40,000');
  });
});
