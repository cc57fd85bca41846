import type pg from 'pg';
import { isObject } from '../../../event.ts';
import { asDeliveryError } from '../../http.ts';
import { redact } from '../../redact.ts';
import { DeliveryError, type OutboundEvent, type SendResult } from '../../types.ts';
import { classifyPgError, isSqlState } from './connection.ts';
import { fromCatalog, sqlText, type ColumnType } from './columns.ts';
import { quoteIdent } from './naming.ts';
import { warehouseRows, type TableRow } from './rows.ts';
import { applyChanges, changeSql, planChanges, wantedColumns, type Tables } from './schema.ts';

/** PostgreSQL's limit on parameters in one statement. */
const MAX_PARAMS = 65_535;
const MAX_ROWS_PER_INSERT = 1000;

interface Planned {
  position: number;
  rows: TableRow[];
}

/**
 * Writes batches into one schema: gather the rows (pure), bring tables and columns up to
 * what they need (DDL serialised here and across processes by an advisory lock), then one
 * transaction inserting everything with ON CONFLICT (id) DO NOTHING, so a redelivered
 * event is stored once. When that transaction fails on a value, each event is inserted on
 * its own to find the ones at fault; only those fail.
 */
export class Warehouse {
  readonly schema: string;
  readonly #pool: pg.Pool;
  readonly #secrets: readonly string[];
  readonly #ddlTimeoutMs: number;
  /** What is known of the schema's tables; read from the catalog before any change. */
  #known: Tables = new Map();
  #ddl: Promise<unknown> = Promise.resolve();

  constructor(opts: { pool: pg.Pool; schema: string; secrets: readonly string[]; ddlTimeoutMs: number }) {
    this.#pool = opts.pool;
    this.schema = opts.schema;
    this.#secrets = opts.secrets;
    this.#ddlTimeoutMs = opts.ddlTimeoutMs;
  }

  async check(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  async write(batch: readonly OutboundEvent[]): Promise<SendResult[]> {
    const results = new Array<SendResult | undefined>(batch.length);
    const planned: Planned[] = [];
    batch.forEach((e, position) => {
      const record = isObject(e.payload) ? e.payload : e.event;
      const rows = warehouseRows(record, { messageId: e.messageId, type: e.event.type });
      if (typeof rows === 'string') results[position] = this.#fail(new DeliveryError(`preparing warehouse rows: ${rows}`, { kind: 'payload', code: 'invalid_event' }));
      else planned.push({ position, rows });
    });

    let ready: Planned[];
    try {
      ready = await this.#ensureTables(planned, results);
    } catch (err) {
      return this.#finish(results, planned, this.#failure('changing tables', err));
    }
    if (ready.length === 0) return this.#finish(results, [], undefined);

    try {
      await this.#transaction(ready.flatMap((p) => p.rows));
      for (const p of ready) results[p.position] = { ok: true };
      return this.#finish(results, [], undefined);
    } catch (err) {
      const f = classifyPgError(err);
      if (f.drift) this.#known = new Map();
      if (!f.data) return this.#finish(results, ready, this.#failure('inserting a batch', err));
    }
    // A value some event carries was refused: insert event by event to find which.
    for (const p of ready) {
      try {
        await this.#transaction(p.rows);
        results[p.position] = { ok: true };
      } catch (err) {
        results[p.position] = this.#failure(`inserting event ${batch[p.position]!.messageId}`, err);
      }
    }
    return this.#finish(results, [], undefined);
  }

  /** Creates and widens what the rows need; events needing columns past the cap fail here. */
  async #ensureTables(planned: Planned[], results: Array<SendResult | undefined>): Promise<Planned[]> {
    const wanted = wantedColumns(planned.flatMap((p) => p.rows));
    const plan = planChanges(this.#known, wanted);
    let refused = plan.refused;
    if (plan.changes.length > 0) {
      const run = this.#ddl.then(() => this.#changeTables(wanted));
      this.#ddl = run.catch(() => undefined);
      refused = await run;
    }
    if (refused.size === 0) return planned;
    return planned.filter((p) => {
      const over = p.rows.flatMap((r) => [...r.cells.keys()].filter((c) => refused.get(r.table)?.has(c)).map((c) => `${r.table}.${c}`));
      if (over.length === 0) return true;
      results[p.position] = this.#fail(
        new DeliveryError(`changing tables: ${over.slice(0, 3).join(', ')} would exceed the columns a table may have`, { kind: 'payload', code: 'too_many_columns' }),
      );
      return false;
    });
  }

  async #changeTables(wanted: Tables): Promise<Map<string, Set<string>>> {
    const { known, changes, refused } = await this.#inTransaction(async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(this.#ddlTimeoutMs))}`);
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`sluice:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      // Another process may have changed these tables: plan from the catalog, under the lock.
      const catalog = await this.#readCatalog(client, [...wanted.keys()]);
      const plan = planChanges(catalog, wanted);
      for (const ch of plan.changes) await client.query(changeSql(this.schema, ch));
      return { known: catalog, ...plan };
    });
    // Only once committed do the changes describe the tables.
    applyChanges(known, changes);
    for (const [t, cols] of known) this.#known.set(t, cols);
    return refused;
  }

  async #readCatalog(client: pg.PoolClient, tables: string[]): Promise<Tables> {
    const res = await client.query<{ table_name: string; column_name: string; data_type: string }>(
      'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = ANY($2::text[])',
      [this.schema, tables],
    );
    const known: Tables = new Map();
    for (const r of res.rows) {
      let cols = known.get(r.table_name);
      if (!cols) known.set(r.table_name, (cols = new Map<string, ColumnType>()));
      cols.set(r.column_name, fromCatalog(r.data_type));
    }
    return known;
  }

  /** One transaction inserting the rows, table by table, in statements of bounded size. */
  async #transaction(rows: readonly TableRow[]): Promise<void> {
    const byTable = new Map<string, TableRow[]>();
    for (const r of rows) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);
    await this.#inTransaction(async (client) => {
      for (const [table, tableRows] of byTable) {
        const columns = [...new Set(tableRows.flatMap((r) => [...r.cells.keys()]))];
        const per = Math.max(1, Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMS / columns.length)));
        for (let i = 0; i < tableRows.length; i += per) {
          const { text, values } = insertStatement(this.schema, table, columns, tableRows.slice(i, i + per));
          await client.query(text, values);
        }
      }
    });
  }

  /** BEGIN, `fn`, COMMIT; ROLLBACK on any error, and a connection left unusable by it is discarded rather than pooled. */
  async #inTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = err instanceof Error ? err : new Error(String(err));
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release(broken && discardConnection(broken) ? broken : undefined);
    }
  }

  #failure(doing: string, err: unknown): SendResult {
    const f = classifyPgError(err);
    const detail = err instanceof Error ? err.message : String(err);
    return this.#fail(new DeliveryError(redact(`${doing} in schema "${this.schema}": ${detail}`, this.#secrets, 2000), { kind: f.kind, code: f.code, cause: err }));
  }

  #fail(error: DeliveryError): SendResult {
    return { ok: false, error: asDeliveryError(error, this.#secrets) };
  }

  /** Every position still open gets `failure` (or, with none, an internal error). */
  #finish(results: Array<SendResult | undefined>, open: readonly Planned[], failure: SendResult | undefined): SendResult[] {
    for (const p of open) results[p.position] ??= failure;
    return results.map((r) => r ?? this.#fail(new DeliveryError('writing to PostgreSQL: the event was not written', { kind: 'retryable', code: 'internal' })));
  }
}

/** A connection that failed below SQL (network, protocol) or was shut down is dropped, not reused. */
export function discardConnection(err: unknown): boolean {
  if (!isSqlState(err)) return true;
  const code = classifyPgError(err).code;
  return code.startsWith('08') || code.startsWith('57');
}

/** A multi-row INSERT … ON CONFLICT (id) DO NOTHING with one parameter per cell. */
export function insertStatement(schema: string, table: string, columns: readonly string[], rows: readonly TableRow[]): { text: string; values: Array<string | null> } {
  const values: Array<string | null> = [];
  const tuples = rows.map((r) => {
    const slots = columns.map((c) => {
      values.push(sqlText(r.cells.get(c)?.value ?? null));
      return `$${values.length}`;
    });
    return `(${slots.join(', ')})`;
  });
  const text = `INSERT INTO ${quoteIdent(schema)}.${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${quoteIdent('id')}) DO NOTHING`;
  return { text, values };
}
