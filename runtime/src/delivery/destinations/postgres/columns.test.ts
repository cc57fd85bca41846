import { describe, expect, it } from 'vitest';
import { fromCatalog, inferType, isTimestamp, sqlText, widen, wideningFor, type ColumnType } from './columns.ts';

describe('inferType', () => {
  it.each([
    [true, 'boolean'],
    [42, 'bigint'],
    [-7, 'bigint'],
    [2 ** 60, 'double precision'],
    [1.5, 'double precision'],
    ['hello', 'text'],
    ['42', 'text'],
    ['2024-05-01T10:00:00.000Z', 'timestamptz'],
    ['2024-05-01 10:00:00+02:00', 'timestamptz'],
    ['2024-05-01', 'text'],
    ['2024-13-45T10:00:00Z', 'text'],
    ['2024-05-01T10:00:00', 'text'],
  ])('%j → %s', (v, type) => {
    expect(inferType(v)).toBe(type);
  });
});

describe('widen', () => {
  it.each<[ColumnType, ColumnType, ColumnType]>([
    ['bigint', 'bigint', 'bigint'],
    ['bigint', 'double precision', 'double precision'],
    ['double precision', 'bigint', 'double precision'],
    ['bigint', 'text', 'text'],
    ['double precision', 'text', 'text'],
    ['boolean', 'bigint', 'text'],
    ['timestamptz', 'text', 'text'],
    ['timestamptz', 'bigint', 'text'],
    ['text', 'boolean', 'text'],
  ])('%s + %s → %s', (a, b, joined) => {
    expect(widen(a, b)).toBe(joined);
  });

  it.each<[ColumnType, ColumnType, ColumnType | undefined]>([
    ['bigint', 'double precision', 'double precision'],
    ['double precision', 'bigint', undefined],
    ['text', 'bigint', undefined],
    ['boolean', 'boolean', undefined],
    ['timestamptz', 'boolean', 'text'],
  ])('a %s column receiving %s changes to %s', (current, incoming, to) => {
    expect(wideningFor(current, incoming)).toBe(to);
  });
});

describe('fromCatalog', () => {
  it.each([
    ['integer', 'bigint'],
    ['numeric', 'double precision'],
    ['timestamp with time zone', 'timestamptz'],
    ['character varying', 'text'],
    ['jsonb', 'text'],
  ])('%s → %s', (dataType, type) => {
    expect(fromCatalog(dataType)).toBe(type);
  });
});

describe('sqlText and isTimestamp', () => {
  it.each([
    [null, null],
    [true, 'true'],
    [1.25, '1.25'],
    ['x', 'x'],
  ])('sqlText(%j) → %j', (v, text) => {
    expect(sqlText(v)).toBe(text);
  });

  it('refuses overlong timestamp-like text', () => {
    expect(isTimestamp(`2024-05-01T10:00:00.${'1'.repeat(40)}Z`)).toBe(false);
  });
});
