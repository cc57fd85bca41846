import { describe, expect, it } from 'vitest';
import type { Violation, ViolationKind } from '../plan/types.ts';
import { ViolationSampler } from './violations.ts';

const v = (field: string, kind: ViolationKind = 'type', description = `${field}: expected number, got string`): Violation => ({
  kind, type: 'Invalid Type', field, description,
});
const T0 = Date.parse('2025-01-01T12:00:00.000Z');
const MIN = 60_000;

describe('ViolationSampler', () => {
  it('groups by (event, field, kind) and sorts by count, most frequent first', () => {
    const s = new ViolationSampler();
    for (let i = 0; i < 3; i++) s.record('web', 'Order Completed', [v('properties.revenue')], `m-${i}`, T0 + i);
    s.record('web', 'Order Completed', [v('properties.revenue', 'required', 'properties.revenue is required')], 'm-r', T0 + 10);
    s.record('web', 'Signed Up', [v('properties.revenue'), v('properties.plan')], 'm-s', T0 + 20);
    s.record('web', 'Signed Up', [v('properties.plan', 'type', 'properties.plan: expected string, got number')], 'm-s2', T0 + 30);

    expect(s.top('web', 10, T0 + 40)).toEqual([
      { event: 'Order Completed', field: 'properties.revenue', kind: 'type', message: 'properties.revenue: expected number, got string', count: 3, lastSeen: new Date(T0 + 2).toISOString(), sampleMessageId: 'm-2' },
      { event: 'Signed Up', field: 'properties.plan', kind: 'type', message: 'properties.plan: expected string, got number', count: 2, lastSeen: new Date(T0 + 30).toISOString(), sampleMessageId: 'm-s2' },
      { event: 'Signed Up', field: 'properties.revenue', kind: 'type', message: 'properties.revenue: expected number, got string', count: 1, lastSeen: new Date(T0 + 20).toISOString(), sampleMessageId: 'm-s' },
      { event: 'Order Completed', field: 'properties.revenue', kind: 'required', message: 'properties.revenue is required', count: 1, lastSeen: new Date(T0 + 10).toISOString(), sampleMessageId: 'm-r' },
    ]);
    expect(s.top('web', 1, T0 + 40).map((x) => x.count)).toEqual([3]);
    expect(s.total('web', T0 + 40)).toBe(7);
  });

  it('keeps sources apart', () => {
    const s = new ViolationSampler();
    s.record('web', 'A', [v('properties.x')], 'm1', T0);
    s.record('ios', 'B', [v('properties.y')], 'm2', T0);
    expect(s.top('web', 10, T0).map((x) => x.event)).toEqual(['A']);
    expect(s.top('ios', 10, T0).map((x) => x.event)).toEqual(['B']);
    expect(s.top('android', 10, T0)).toEqual([]);
  });

  it('counts an event once per field and kind, even when it has several such violations', () => {
    const s = new ViolationSampler();
    s.record('web', 'A', [v('properties.n', 'range', '>= 0'), v('properties.n', 'range', 'multiple of 2')], 'm1', T0);
    expect(s.top('web', 10, T0)).toMatchObject([{ field: 'properties.n', kind: 'range', count: 1 }]);
  });

  it('counts only the recent window, bucket by bucket', () => {
    const s = new ViolationSampler({ windowMs: 60 * MIN, buckets: 12 });
    s.record('web', 'A', [v('properties.x')], 'old', T0);
    s.record('web', 'A', [v('properties.x')], 'old', T0 + 1);
    s.record('web', 'A', [v('properties.x')], 'new', T0 + 30 * MIN);
    expect(s.top('web', 5, T0 + 30 * MIN)[0]?.count).toBe(3);
    // 65 minutes on, the first bucket (12:00–12:05) has left the window.
    expect(s.top('web', 5, T0 + 65 * MIN)[0]).toMatchObject({ count: 1, sampleMessageId: 'new' });
    expect(s.total('web', T0 + 65 * MIN)).toBe(1);
    // After a quiet hour nothing is left, and the entry is dropped.
    expect(s.top('web', 5, T0 + 100 * MIN)).toEqual([]);
    s.record('web', 'A', [v('properties.x')], 'again', T0 + 100 * MIN);
    expect(s.top('web', 5, T0 + 100 * MIN)[0]).toMatchObject({ count: 1, sampleMessageId: 'again' });
  });

  it('reuses a bucket slot only after clearing what it held an hour earlier', () => {
    const s = new ViolationSampler({ windowMs: 60 * MIN, buckets: 12 });
    for (let i = 0; i < 5; i++) s.record('web', 'A', [v('properties.x')], `m${i}`, T0);
    s.record('web', 'A', [v('properties.x')], 'later', T0 + 60 * MIN);
    expect(s.top('web', 5, T0 + 60 * MIN)[0]?.count).toBe(1);
  });

  it('keeps the latest message and messageId as the sample', () => {
    const s = new ViolationSampler();
    s.record('web', 'A', [v('properties.x', 'type', 'first')], 'm1', T0 + 5);
    s.record('web', 'A', [v('properties.x', 'type', 'late arrival')], 'm0', T0);
    expect(s.top('web', 1, T0 + 5)[0]).toMatchObject({ message: 'first', sampleMessageId: 'm1', lastSeen: new Date(T0 + 5).toISOString(), count: 2 });
  });

  it('bounds the keys per source, evicting the least recently seen', () => {
    const s = new ViolationSampler({ maxKeysPerSource: 3 });
    s.record('web', 'A', [v('properties.a')], 'm', T0);
    s.record('web', 'A', [v('properties.b')], 'm', T0 + 1);
    s.record('web', 'A', [v('properties.c')], 'm', T0 + 2);
    s.record('web', 'A', [v('properties.a')], 'm', T0 + 3); // a is recent again
    s.record('web', 'A', [v('properties.d')], 'm', T0 + 4); // evicts b
    expect(s.top('web', 10, T0 + 5).map((x) => x.field).sort()).toEqual(['properties.a', 'properties.c', 'properties.d']);
  });

  it('bounds the number of sources', () => {
    const s = new ViolationSampler({ maxSources: 2 });
    s.record('one', 'A', [v('f')], 'm', T0);
    s.record('two', 'A', [v('f')], 'm', T0);
    s.record('three', 'A', [v('f')], 'm', T0);
    expect(s.top('one', 10, T0)).toEqual([]);
    expect(s.top('three', 10, T0)).toHaveLength(1);
  });

  it('cuts very long event names and fields', () => {
    const s = new ViolationSampler();
    s.record('web', 'E'.repeat(5000), [v(`properties.${'x'.repeat(5000)}`)], 'm', T0);
    const [top] = s.top('web', 1, T0);
    expect(top?.event).toHaveLength(201);
    expect(top?.field).toHaveLength(201);
  });

  it('forgets a source', () => {
    const s = new ViolationSampler();
    s.record('web', 'A', [v('f')], 'm', T0);
    s.forget('web');
    expect(s.top('web', 10, T0)).toEqual([]);
  });

  it('ignores events without violations', () => {
    const s = new ViolationSampler();
    s.record('web', 'A', [], 'm', T0);
    expect(s.top('web', 10, T0)).toEqual([]);
  });
});
