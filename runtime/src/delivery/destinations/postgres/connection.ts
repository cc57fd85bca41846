import type { PoolConfig } from 'pg';
import type { DeliveryErrorKind } from '../../types.ts';

/**
 * The pool configuration from the credentials Secret: either `url`
 * (postgres://user:password@host:port/database?sslmode=…) or the keys host, port, user,
 * password, database and optionally sslmode (disable, require, verify-full) and ca.
 */
export function connectionConfig(credentials: Record<string, string>, opts: { timeoutMs: number; maxConnections: number; name: string }): PoolConfig {
  const common: PoolConfig = {
    max: opts.maxConnections,
    connectionTimeoutMillis: opts.timeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: opts.timeoutMs,
    application_name: `sluice:${opts.name}`.slice(0, 63),
  };
  const url = credentials['url'];
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('postgres credentials: url must start with postgres:// or postgresql://');
    return { ...common, connectionString: url };
  }
  const host = credentials['host'];
  const user = credentials['user'] ?? credentials['username'];
  const missing = [host ? '' : 'host', user ? '' : 'user'].filter(Boolean);
  if (missing.length > 0) throw new Error(`postgres credentials: the Secret has neither url nor ${missing.join(' and ')}`);
  const port = credentials['port'] === undefined ? 5432 : Number(credentials['port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`postgres credentials: port "${credentials['port']}" is not a TCP port`);
  const sslmode = credentials['sslmode'] ?? 'disable';
  const ssl =
    sslmode === 'disable'
      ? undefined
      : sslmode === 'require'
        ? { rejectUnauthorized: false }
        : sslmode === 'verify-full'
          ? { rejectUnauthorized: true, ...(credentials['ca'] ? { ca: credentials['ca'] } : {}) }
          : null;
  if (ssl === null) throw new Error(`postgres credentials: sslmode "${sslmode}" is not one of disable, require, verify-full`);
  return {
    ...common,
    host,
    port,
    user,
    ...(credentials['password'] === undefined ? {} : { password: credentials['password'] }),
    database: credentials['database'] ?? credentials['dbname'] ?? user,
    ...(ssl ? { ssl } : {}),
  };
}

/** How a database failure affects the events: `data` means one event's values are at fault. */
export interface PgFailure {
  kind: DeliveryErrorKind;
  /** A value the table cannot hold: isolate the event and dead-letter it alone. */
  data: boolean;
  /** The table changed under us (dropped column or table): forget what is known of it. */
  drift: boolean;
  code: string;
}

/** An error the server reported: it has a severity and a five-character SQLSTATE. */
export function isSqlState(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e.severity === 'string' && typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
}

/**
 * By SQLSTATE (PostgreSQL appendix A): connection, resource, shutdown, serialization and
 * deadlock failures retry; data exceptions and constraint violations are the event's own
 * (isolated, dead-lettered); authorization fails the destination; a dropped table or
 * column is retried after reading the catalog again.
 */
export function classifyPgError(err: unknown): PgFailure {
  const code = typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : '';
  const f = (kind: DeliveryErrorKind, data = false, drift = false): PgFailure => ({ kind, data, drift, code: code || 'internal' });
  // Below SQL (the network, pool timeouts, a connection the server closed): try again.
  if (!isSqlState(err)) return { ...f('retryable'), code: code || 'connection' };
  const cls = code.slice(0, 2);
  if (code === '42703' || code === '42P01' || code === '3F000') return f('retryable', false, true);
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '55006') return f('retryable');
  if (['08', '53', '57', '58', 'XX'].includes(cls)) return f('retryable');
  if (cls === '28' || code === '42501') return f('auth');
  if (cls === '22' || cls === '23' || cls === '54') return f('payload', true);
  return f('permanent');
}
