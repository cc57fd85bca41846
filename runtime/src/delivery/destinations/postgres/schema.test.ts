import { describe, expect, it } from 'vitest';
import type { ColumnType } from './columns.ts';
import type { TableRow } from './rows.ts';
import { applyChanges, changeSql, planChanges, wantedColumns, type Tables } from './schema.ts';
import { insertStatement } from './writer.ts';

const row = (table: string, cells: Record<string, [string | number | boolean, ColumnType]>): TableRow => ({
  table,
  cells: new Map(Object.entries(cells).map(([k, [value, type]]) => [k, { value, type }])),
});
const tables = (t: Record<string, Record<string, ColumnType>>): Tables => new Map(Object.entries(t).map(([k, v]) => [k, new Map(Object.entries(v))]));

describe('wantedColumns', () => {
  it('joins the types the rows need per column', () => {
    const wanted = wantedColumns([row('t', { id: ['a', 'text'], n: [1, 'bigint'] }), row('t', { id: ['b', 'text'], n: [1.5, 'double precision'], s: ['x', 'text'] })]);
    expect(wanted).toEqual(tables({ t: { id: 'text', n: 'double precision', s: 'text' } }));
  });
});

describe('planChanges', () => {
  it.each([
    [
      'creates a missing table, id first, the rest by name',
      {},
      { t: { z: 'text', id: 'text', a: 'bigint' } },
      [{ kind: 'create-table', table: 't', columns: [['id', 'text'], ['a', 'bigint'], ['z', 'text']] }],
    ],
    ['adds missing columns', { t: { id: 'text', uuid_ts: 'timestamptz' } }, { t: { id: 'text', b: 'boolean' } }, [{ kind: 'add-column', table: 't', column: 'b', type: 'boolean' }]],
    ['widens integers to double precision', { t: { n: 'bigint' } }, { t: { n: 'double precision' } }, [{ kind: 'widen', table: 't', column: 'n', from: 'bigint', to: 'double precision' }]],
    ['widens mixed types to text', { t: { n: 'double precision' } }, { t: { n: 'text' } }, [{ kind: 'widen', table: 't', column: 'n', from: 'double precision', to: 'text' }]],
    ['never narrows', { t: { n: 'text', d: 'double precision' } }, { t: { n: 'bigint', d: 'bigint' } }, []],
    ['does nothing when all is there', { t: { id: 'text', n: 'bigint' } }, { t: { n: 'bigint' } }, []],
  ])('%s', (_, known, wanted, changes) => {
    expect(planChanges(tables(known as Record<string, Record<string, ColumnType>>), tables(wanted as Record<string, Record<string, ColumnType>>)).changes).toEqual(changes);
  });

  it('refuses columns past the cap instead of adding them', () => {
    const { changes, refused } = planChanges(tables({ t: { id: 'text', uuid_ts: 'timestamptz', a: 'text' } }), tables({ t: { b: 'text', c: 'text' } }), 4);
    expect(changes).toEqual([{ kind: 'add-column', table: 't', column: 'b', type: 'text' }]);
    expect(refused).toEqual(new Map([['t', new Set(['c'])]]));
  });

  it('caps the columns of a new table too', () => {
    const { changes, refused } = planChanges(new Map(), tables({ t: { id: 'text', a: 'text', b: 'text', c: 'text' } }), 4);
    expect(changes).toEqual([{ kind: 'create-table', table: 't', columns: [['id', 'text'], ['a', 'text'], ['b', 'text']] }]);
    expect(refused.get('t')).toEqual(new Set(['c']));
  });
});

describe('changeSql', () => {
  it.each([
    [{ kind: 'create-table', table: 'order_completed', columns: [['id', 'text'], ['revenue', 'bigint']] }, 'CREATE TABLE IF NOT EXISTS "wh"."order_completed" ("id" text PRIMARY KEY, "revenue" bigint, "uuid_ts" timestamptz NOT NULL DEFAULT now())'],
    [{ kind: 'add-column', table: 't', column: 'a"b', type: 'boolean' }, 'ALTER TABLE "wh"."t" ADD COLUMN IF NOT EXISTS "a""b" boolean'],
    [{ kind: 'widen', table: 't', column: 'n', from: 'bigint', to: 'double precision' }, 'ALTER TABLE "wh"."t" ALTER COLUMN "n" TYPE double precision USING "n"::double precision'],
  ] as const)('%j', (change, sql) => {
    expect(changeSql('wh', change as Parameters<typeof changeSql>[1])).toBe(sql);
  });

  it('records applied changes', () => {
    const known = tables({ t: { n: 'bigint' } });
    applyChanges(known, [
      { kind: 'widen', table: 't', column: 'n', from: 'bigint', to: 'text' },
      { kind: 'create-table', table: 'u', columns: [['id', 'text']] },
    ]);
    expect(known).toEqual(tables({ t: { n: 'text' }, u: { uuid_ts: 'timestamptz', id: 'text' } }));
  });
});

describe('insertStatement', () => {
  it('inserts several rows with one parameter per cell, skipping conflicts on id', () => {
    const { text, values } = insertStatement('wh', 'tracks', ['id', 'n', 'ok'], [row('tracks', { id: ['a', 'text'], n: [1.5, 'double precision'] }), row('tracks', { id: ['b', 'text'], ok: [true, 'boolean'] })]);
    expect(text).toBe('INSERT INTO "wh"."tracks" ("id", "n", "ok") VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT ("id") DO NOTHING');
    expect(values).toEqual(['a', '1.5', null, 'b', null, 'true']);
  });
});
