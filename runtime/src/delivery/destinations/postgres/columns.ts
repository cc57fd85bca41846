/** The column types Sluice creates; every value fits at least one, and text fits all. */
export type ColumnType = 'boolean' | 'bigint' | 'double precision' | 'timestamptz' | 'text';

/** A flattened field value: objects are spread into columns, lists kept as JSON text. */
export type Scalar = string | number | boolean;

/** ISO 8601 date and time with a zone: what Segment's warehouses load as timestamps. */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/;

export function isTimestamp(s: string): boolean {
  return s.length <= 40 && ISO_TIMESTAMP.test(s) && !Number.isNaN(Date.parse(s));
}

/** The narrowest column type for a value. */
export function inferType(v: Scalar): ColumnType {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? 'bigint' : 'double precision';
  return isTimestamp(v) ? 'timestamptz' : 'text';
}

/**
 * The narrowest type holding values of both: integers widen to double precision, any
 * other mix to text (a column once widened never narrows back).
 */
export function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  const numbers = new Set<ColumnType>(['bigint', 'double precision']);
  if (numbers.has(a) && numbers.has(b)) return 'double precision';
  return 'text';
}

/** The type to change an existing column to so it holds `incoming`; undefined when it already does. */
export function wideningFor(current: ColumnType, incoming: ColumnType): ColumnType | undefined {
  const joined = widen(current, incoming);
  return joined === current ? undefined : joined;
}

/**
 * A column's type as information_schema names it, read back into ours. Columns someone
 * made by hand count as the nearest of ours; anything unknown as text, which Sluice then
 * only ever writes text into.
 */
export function fromCatalog(dataType: string): ColumnType {
  switch (dataType) {
    case 'boolean':
      return 'boolean';
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'bigint';
    case 'real':
    case 'double precision':
    case 'numeric':
      return 'double precision';
    case 'timestamp with time zone':
    case 'timestamp without time zone':
      return 'timestamptz';
    default:
      return 'text';
  }
}

/** The text a value is sent as (PostgreSQL casts it to the column's type). */
export function sqlText(v: Scalar | null): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  return String(v);
}
