import { isObject, type JsonObject } from '../../../event.ts';
import { inferType, type ColumnType, type Scalar } from './columns.ts';
import { columnName, eventTableName, fitIdentifier, shortHash } from './naming.ts';

/** Objects nested deeper than this are stored as JSON text in one column. */
export const MAX_FLATTEN_DEPTH = 8;
/** Most columns one event may fill in one table. */
export const MAX_COLUMNS_PER_ROW = 500;

/** A value and the type its column needs. */
export interface Cell {
  value: Scalar | null;
  type: ColumnType;
}

/** One row for one table; `id` (the messageId) is always set. */
export interface TableRow {
  table: string;
  cells: Map<string, Cell>;
}

/** Columns every table has, with fixed types (Segment's warehouse schema). */
const COMMON: Record<string, ColumnType> = {
  id: 'text',
  received_at: 'timestamptz',
  sent_at: 'timestamptz',
  original_timestamp: 'timestamptz',
  timestamp: 'timestamptz',
  user_id: 'text',
  anonymous_id: 'text',
};

/** Per call type: its table, its own fixed columns, and which object is spread into top-level columns. */
const KINDS: Record<string, { table: string; own: Record<string, ColumnType>; spread?: 'properties' | 'traits' }> = {
  track: { table: 'tracks', own: { event: 'text', event_text: 'text' } },
  identify: { table: 'identifies', own: {}, spread: 'traits' },
  page: { table: 'pages', own: { name: 'text', category: 'text' }, spread: 'properties' },
  screen: { table: 'screens', own: { name: 'text', category: 'text' }, spread: 'properties' },
  group: { table: 'groups', own: { group_id: 'text' }, spread: 'traits' },
  alias: { table: 'aliases', own: { previous_id: 'text' } },
};

/** The columns of a table that fields may not take (uuid_ts is the load time, set by the database). */
export function reservedColumns(type: string): ReadonlySet<string> {
  return new Set(['uuid_ts', ...Object.keys(COMMON), ...Object.keys(KINDS[type]?.own ?? {})]);
}

/**
 * The warehouse rows of one event, like Segment's: a row in the call type's table (tracks,
 * identifies, pages, screens, groups, aliases) and, for a track, one in the event's own
 * table holding its properties as columns. `context` becomes context_* columns, nested
 * objects are flattened with "_". Text explains why an event cannot be stored.
 */
export function warehouseRows(record: JsonObject, fallback: { messageId: string; type: string }): TableRow[] | string {
  const type = typeof record['type'] === 'string' ? record['type'] : fallback.type;
  const kind = KINDS[type];
  if (!kind) return `the event type "${type}" has no warehouse table`;
  const id = typeof record['messageId'] === 'string' && record['messageId'] !== '' ? record['messageId'] : fallback.messageId;

  const base = new Map<string, Cell>();
  const fixed = { ...COMMON, ...kind.own };
  const source: Record<string, unknown> = {
    id,
    received_at: record['receivedAt'],
    sent_at: record['sentAt'],
    original_timestamp: record['originalTimestamp'],
    timestamp: record['timestamp'],
    user_id: record['userId'],
    anonymous_id: record['anonymousId'],
    name: record['name'],
    category: record['category'],
    group_id: record['groupId'],
    previous_id: record['previousId'],
  };
  let eventTable: string | undefined;
  if (type === 'track') {
    if (typeof record['event'] !== 'string' || record['event'] === '') return 'the track event has no event name';
    eventTable = eventTableName(record['event']);
    source['event'] = eventTable;
    source['event_text'] = record['event'];
  }
  for (const [col, colType] of Object.entries(fixed)) {
    const v = source[col];
    if (v === undefined || v === null) continue;
    base.set(col, { value: typeof v === 'object' ? JSON.stringify(v) : (v as Scalar), type: colType });
  }
  const reserved = reservedColumns(type);
  if (isObject(record['context'])) flattenInto(base, record['context'], ['context'], reserved);

  const rows: TableRow[] = [];
  if (kind.spread) {
    const cells = new Map(base);
    const spread = record[kind.spread];
    if (isObject(spread)) flattenInto(cells, spread, [], reserved);
    rows.push({ table: kind.table, cells });
  } else {
    rows.push({ table: kind.table, cells: base });
  }
  if (eventTable !== undefined) {
    const cells = new Map(base);
    if (isObject(record['properties'])) flattenInto(cells, record['properties'], [], reserved);
    rows.push({ table: eventTable, cells });
  }
  for (const row of rows) {
    if (row.cells.size > MAX_COLUMNS_PER_ROW) return `the event fills ${row.cells.size} columns of ${row.table}; at most ${MAX_COLUMNS_PER_ROW} are stored per event`;
  }
  return rows;
}

/**
 * Spreads an object into cells: nested objects become `a_b` columns, lists and objects
 * past the depth limit JSON text, nulls nothing. A field whose column name is taken (a
 * property called "timestamp", or "orderId" beside "order_id") gets a hash of its path.
 */
function flattenInto(cells: Map<string, Cell>, obj: JsonObject, prefix: string[], reserved: ReadonlySet<string>): void {
  for (const [key, v] of Object.entries(obj)) {
    if (v === null || v === undefined) continue;
    const path = [...prefix, key];
    if (isObject(v) && path.length < MAX_FLATTEN_DEPTH) {
      flattenInto(cells, v, path, reserved);
      continue;
    }
    let value: Scalar;
    if (typeof v === 'string' || typeof v === 'boolean') value = v;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) continue;
      value = v;
    } else if (typeof v === 'bigint') value = v.toString();
    else value = JSON.stringify(v) ?? '';
    let name = columnName(path);
    if (reserved.has(name) || cells.has(name)) name = fitIdentifier(`${name}_${shortHash(path.join('\u0000'))}`, `${path.join('\u0000')}\u0001`);
    if (cells.has(name)) continue;
    cells.set(name, { value, type: typeof value === 'string' && typeof v !== 'string' ? 'text' : inferType(value) });
  }
}
