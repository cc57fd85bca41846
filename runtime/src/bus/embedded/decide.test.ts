import { describe, expect, it } from 'vitest';
import { COMMIT_WAIT_RETRY_MS, commitDelay, firstSeqAtOrAfter, initialCursor, lagOf, shouldRotate, sleepFor, type SeqProbe } from './decide.ts';

/** A probe over stored (seq, storedAt) pairs, sorted by seq. */
function probeOf(rows: [number, number][]): (seq: number) => SeqProbe | undefined {
  return (seq) => {
    const row = rows.find(([s]) => s >= seq);
    return row && { seq: row[0], storedAt: row[1] };
  };
}

describe('firstSeqAtOrAfter', () => {
  const rows: [number, number][] = [[3, 100], [4, 100], [7, 200], [8, 300], [12, 300], [13, 450]];
  it.each([
    ['before everything', 0, 3],
    ['exactly the first time', 100, 3],
    ['between times, over a gap', 150, 7],
    ['equal times spread over seqs', 300, 8],
    ['the last one', 450, 13],
    ['after everything', 451, 14],
  ])('%s', (_name, time, want) => {
    expect(firstSeqAtOrAfter(3, 13, time, probeOf(rows))).toBe(want);
  });

  it('answers last + 1 for an empty source', () => {
    expect(firstSeqAtOrAfter(6, 5, 0, probeOf([]))).toBe(6);
  });

  it('needs only a logarithmic number of probes', () => {
    const many: [number, number][] = Array.from({ length: 100_000 }, (_, i) => [i + 1, i * 10]);
    let probes = 0;
    const probe = (seq: number): SeqProbe | undefined => {
      probes++;
      return seq <= 100_000 ? { seq, storedAt: (seq - 1) * 10 } : undefined;
    };
    expect(firstSeqAtOrAfter(1, many.length, 500_005, probe)).toBe(50_002);
    expect(probes).toBeLessThan(25);
  });
});

describe('initialCursor', () => {
  const at = (time: number): number => (time <= 1_000 ? 5 : 9);
  it.each([
    ['now starts after the newest', { kind: 'now' as const }, 42],
    ['a time starts before the first event at or after it', { kind: 'time' as const, time: new Date(500) }, 4],
    ['a later time', { kind: 'time' as const, time: new Date(2_000) }, 8],
  ])('%s', (_name, startFrom, want) => {
    expect(initialCursor(startFrom, 42, at)).toBe(want);
  });
});

describe('lagOf', () => {
  it.each([
    ['nothing stored', { lastSeq: 0, firstSeq: 1, cursor: 0, unacked: 0 }, 0],
    ['all undelivered', { lastSeq: 10, firstSeq: 1, cursor: 0, unacked: 0 }, 10],
    ['delivered, some unacked', { lastSeq: 10, firstSeq: 1, cursor: 10, unacked: 3 }, 3],
    ['undelivered events pruned', { lastSeq: 10, firstSeq: 8, cursor: 2, unacked: 0 }, 3],
    ['cursor past first', { lastSeq: 10, firstSeq: 8, cursor: 9, unacked: 1 }, 2],
    ['everything pruned', { lastSeq: 10, firstSeq: 11, cursor: 4, unacked: 0 }, 0],
  ])('%s', (_name, s, want) => {
    expect(lagOf(s)).toBe(want);
  });
});

describe('sleepFor', () => {
  it.each([
    ['nothing waiting: until the deadline', 500, undefined, 1_000, 500],
    ['a retry due before the deadline', 500, 1_200, 1_000, 200],
    ['a retry due after the deadline', 500, 9_000, 1_000, 500],
    ['a retry already due', 500, 900, 1_000, 0],
    ['deadline passed', 0, 1_200, 1_000, 0],
  ])('%s', (_name, remaining, due, now, want) => {
    expect(sleepFor(remaining, due, now)).toBe(want);
  });
});

describe('shouldRotate', () => {
  it.each([
    ['young and small', { startedAt: 1_000, size: 10 }, 1_500, false],
    ['old enough', { startedAt: 1_000, size: 10 }, 2_000, true],
    ['full', { startedAt: 1_000, size: 100 }, 1_001, true],
  ])('%s', (_name, gen, now, want) => {
    expect(shouldRotate(gen, now, 1_000, 100)).toBe(want);
  });
});

describe('commitDelay', () => {
  const long = Infinity;
  it.each([
    ['no commit yet', { sinceMs: Infinity, writes: 0, sinceUselessWaitMs: long }, 1, 0],
    ['a lone writer: its last commit held one write', { sinceMs: 0.1, writes: 1, sinceUselessWaitMs: long }, 1, 0],
    ['overlapping writers, the last commit began long ago', { sinceMs: 50, writes: 3, sinceUselessWaitMs: long }, 1, 0],
    ['overlapping writers, exactly the interval ago', { sinceMs: 1, writes: 2, sinceUselessWaitMs: long }, 1, 0],
    ['overlapping writers, a quarter of the interval ago: waits the rest', { sinceMs: 0.25, writes: 2, sinceUselessWaitMs: long }, 1, 0.75],
    ['overlapping writers, just now: waits the whole interval', { sinceMs: 0, writes: 40, sinceUselessWaitMs: long }, 2, 2],
    ['a wait gathered nothing 50 ms ago', { sinceMs: 0, writes: 2, sinceUselessWaitMs: 50 }, 1, 0],
    ['a wait gathered nothing, retry time passed', { sinceMs: 0, writes: 2, sinceUselessWaitMs: COMMIT_WAIT_RETRY_MS }, 1, 1],
    ['pacing off', { sinceMs: 0, writes: 40, sinceUselessWaitMs: long }, 0, 0],
  ])('%s', (_name, last, interval, want) => {
    expect(commitDelay(last, interval)).toBe(want);
  });
});
