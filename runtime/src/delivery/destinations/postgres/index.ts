import { Type, type Static } from '@sinclair/typebox';
import { createRequire } from 'node:module';
import type pg from 'pg';
import type { DestinationContext, DestinationType } from '../../types.ts';
import { connectionConfig } from './connection.ts';
import { Warehouse } from './writer.ts';

export const PostgresSettings = Type.Object(
  {
    schema: Type.Optional(
      Type.String({
        description: 'Schema the tables are written to (created when missing).',
        pattern: '^[a-z_][a-z0-9_]{0,62}$',
        default: 'sluice',
      }),
    ),
    maxConnections: Type.Optional(Type.Integer({ description: 'Most connections open to the database at once.', minimum: 1, maximum: 32, default: 4 })),
    ddlTimeout: Type.Optional(
      Type.Integer({
        description: 'Milliseconds a table change may take (widening a column rewrites its table); inserts use delivery.timeout.',
        minimum: 1000,
        maximum: 3_600_000,
        default: 300_000,
      }),
    ),
  },
  {
    additionalProperties: false,
    description:
      'Credentials Secret keys: url (postgres://user:password@host:5432/db?sslmode=require), or host, port, user, password, database, and optionally sslmode (disable, require, verify-full) and ca.',
  },
);
export type PostgresSettings = Static<typeof PostgresSettings>;

export const postgres: DestinationType<PostgresSettings> = {
  type: 'postgres',
  displayName: 'Postgres',
  description:
    "A warehouse in PostgreSQL, shaped like Segment's: tracks, identifies, pages, screens, groups and aliases tables plus one table per track event, columns added and widened as new properties arrive, each event stored once (keyed by messageId).",
  settingsSchema: PostgresSettings,
  maxBatchSize: 1000,
  create(ctx: DestinationContext<PostgresSettings>) {
    const config = connectionConfig(ctx.credentials, { timeoutMs: ctx.timeoutMs, maxConnections: ctx.settings.maxConnections ?? 4, name: ctx.name });
    const secrets = Object.values(ctx.credentials).filter((s) => s.length > 0);
    // Required here, not imported: only processes that deliver to PostgreSQL load the driver.
    const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
    const pool = new Pool(config);
    // An idle connection the server dropped surfaces here; the next query opens a new one.
    pool.on('error', () => undefined);
    const warehouse = new Warehouse({ pool, schema: ctx.settings.schema ?? 'sluice', secrets, ddlTimeoutMs: ctx.settings.ddlTimeout ?? 300_000 });
    return {
      connect: () => warehouse.check(),
      send: (batch) => warehouse.write(batch),
      close: () => pool.end(),
    };
  },
};
