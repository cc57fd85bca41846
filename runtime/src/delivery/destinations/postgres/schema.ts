import { widen, wideningFor, type ColumnType } from './columns.ts';
import { quoteIdent } from './naming.ts';
import type { TableRow } from './rows.ts';

/** Tables and their columns' types, as known (from the catalog) or as wanted (by a batch). */
export type Tables = Map<string, Map<string, ColumnType>>;

/** PostgreSQL allows 1,600 columns per table; Sluice stops well before, leaving room for people. */
export const MAX_COLUMNS_PER_TABLE = 1000;

export type Change =
  | { kind: 'create-table'; table: string; columns: Array<[string, ColumnType]> }
  | { kind: 'add-column'; table: string; column: string; type: ColumnType }
  | { kind: 'widen'; table: string; column: string; from: ColumnType; to: ColumnType };

/** What the rows need: for each table, each column with a value, at the widest type any row needs. */
export function wantedColumns(rows: Iterable<TableRow>): Tables {
  const wanted: Tables = new Map();
  for (const row of rows) {
    let cols = wanted.get(row.table);
    if (!cols) wanted.set(row.table, (cols = new Map<string, ColumnType>()));
    for (const [name, cell] of row.cells) {
      if (cell.value === null) continue;
      const had = cols.get(name);
      cols.set(name, had ? widen(had, cell.type) : cell.type);
    }
  }
  return wanted;
}

/**
 * The DDL that makes `known` hold `wanted`: missing tables created (id as primary key,
 * the de-duplication key), missing columns added, columns too narrow widened. Columns
 * beyond MAX_COLUMNS_PER_TABLE are refused rather than added; the events needing them fail.
 */
export function planChanges(known: Tables, wanted: Tables, maxColumns = MAX_COLUMNS_PER_TABLE): { changes: Change[]; refused: Map<string, Set<string>> } {
  const changes: Change[] = [];
  const refused = new Map<string, Set<string>>();
  const refuse = (table: string, column: string) => {
    let s = refused.get(table);
    if (!s) refused.set(table, (s = new Set()));
    s.add(column);
  };
  for (const [table, cols] of wanted) {
    const have = known.get(table);
    if (!have) {
      // id first, then the rest by name: a table's layout does not depend on which event came first.
      const columns = [...cols].filter(([c]) => c !== 'id').sort(([a], [b]) => (a < b ? -1 : 1));
      for (const [c] of columns.slice(maxColumns - 2)) refuse(table, c);
      changes.push({ kind: 'create-table', table, columns: [['id', 'text'], ...columns.slice(0, Math.max(0, maxColumns - 2))] });
      continue;
    }
    let count = have.size;
    for (const [column, type] of [...cols].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const current = have.get(column);
      if (current === undefined) {
        if (count >= maxColumns) {
          refuse(table, column);
          continue;
        }
        count++;
        changes.push({ kind: 'add-column', table, column, type });
      } else {
        const to = wideningFor(current, type);
        if (to) changes.push({ kind: 'widen', table, column, from: current, to });
      }
    }
  }
  return { changes, refused };
}

/** The statement for a change; every one is safe to repeat (IF NOT EXISTS, a widening to the same type). */
export function changeSql(schema: string, change: Change): string {
  const table = `${quoteIdent(schema)}.${quoteIdent(change.table)}`;
  switch (change.kind) {
    case 'create-table': {
      const cols = change.columns.map(([c, t]) => (c === 'id' ? `${quoteIdent(c)} text PRIMARY KEY` : `${quoteIdent(c)} ${t}`));
      return `CREATE TABLE IF NOT EXISTS ${table} (${[...cols, `${quoteIdent('uuid_ts')} timestamptz NOT NULL DEFAULT now()`].join(', ')})`;
    }
    case 'add-column':
      return `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${quoteIdent(change.column)} ${change.type}`;
    case 'widen':
      return `ALTER TABLE ${table} ALTER COLUMN ${quoteIdent(change.column)} TYPE ${change.to} USING ${quoteIdent(change.column)}::${change.to}`;
  }
}

/** `known` after the changes were applied. */
export function applyChanges(known: Tables, changes: readonly Change[]): void {
  for (const ch of changes) {
    let cols = known.get(ch.table);
    if (!cols) known.set(ch.table, (cols = new Map([['uuid_ts', 'timestamptz']])));
    if (ch.kind === 'create-table') for (const [c, t] of ch.columns) cols.set(c, t);
    else if (ch.kind === 'add-column') cols.set(ch.column, ch.type);
    else cols.set(ch.column, ch.to);
  }
}
