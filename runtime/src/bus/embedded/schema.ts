import { DatabaseSync } from 'node:sqlite';
import { BusError } from '../types.ts';

export const SCHEMA_VERSION = 1;

/**
 * Durability: WAL with synchronous=NORMAL by default. A COMMIT has then written the
 * transaction to the WAL file through the OS, so it survives the process being killed
 * (SIGKILL, OOM, crash) — the ingest's 200 is safe. Only an OS crash or power loss can
 * lose the last few commits (never corrupt the file); `synchronous: 'full'` also fsyncs
 * every commit, for a machine that must survive that, at a large cost in throughput.
 *
 * Checkpoints (copying the WAL into the database file, with fsyncs) are mostly done by a
 * worker thread (checkpointer.ts); the writer's autocheckpoint finishes them and lets the
 * WAL start over, which keeps it around 4 MiB.
 */
export function applyPragmas(db: DatabaseSync, opts: { synchronous: 'normal' | 'full' }): void {
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.exec('PRAGMA cache_size = -32000');
  db.exec('PRAGMA temp_store = MEMORY');
  db.exec('PRAGMA wal_autocheckpoint = 1000');
  db.exec('PRAGMA journal_size_limit = 67108864');
}

/**
 * One process owns a bus file: a second `sluice run` on the same data dir fails at open
 * instead of double-delivering (restart recovery assumes nobody else holds deliveries in
 * flight). The lock is an exclusive lock on a small companion file, held by an open
 * connection for the life of the bus; the OS drops it when the process dies, even by
 * SIGKILL, so a crash never leaves a stale lock.
 */
export function takeOwnership(path: string): DatabaseSync {
  const lock = new DatabaseSync(`${path}.lock`, { timeout: 1_000 });
  try {
    lock.exec('PRAGMA locking_mode = EXCLUSIVE');
    lock.exec('BEGIN EXCLUSIVE');
    lock.exec('COMMIT');
    return lock;
  } catch (error) {
    lock.close();
    throw error;
  }
}

const DDL = `
CREATE TABLE IF NOT EXISTS sources (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  retention_ms INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
-- Deleted sources whose events are still being purged, a chunk at a time.
CREATE TABLE IF NOT EXISTS retired_sources (id INTEGER PRIMARY KEY);
-- seq is per source (like a NATS stream sequence) and comes from sources.last_seq, so it
-- never goes back even after everything was pruned. stored_at never decreases along seq.
CREATE TABLE IF NOT EXISTS events (
  source_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_seq ON events (source_id, seq);
-- A consumer per (destination, source): events up to cursor were handed out; those not
-- yet acked have a row in deliveries. An ack deletes the row, so state stays as small as
-- what is in flight or waiting for a retry.
CREATE TABLE IF NOT EXISTS consumers (
  destination TEXT NOT NULL,
  source_id INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (destination, source_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
  destination TEXT NOT NULL,
  source_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  in_flight INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  body TEXT,
  stored_at INTEGER,
  PRIMARY KEY (destination, source_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (destination, source_id, visible_at);
CREATE TABLE IF NOT EXISTS quarantine (
  id INTEGER PRIMARY KEY,
  source_id INTEGER NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL,
  violations TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quarantine_by_source ON quarantine (source_id, at);
CREATE TABLE IF NOT EXISTS dead_letters (
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  source TEXT NOT NULL,
  seq INTEGER,
  message_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL,
  reason TEXT NOT NULL,
  status INTEGER,
  body_excerpt TEXT,
  attempts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dead_letters_by_destination ON dead_letters (destination, at);
CREATE INDEX IF NOT EXISTS dead_letters_by_source ON dead_letters (source, at);
`;

export function migrate(db: DatabaseSync, path: string): void {
  const row = db.prepare('PRAGMA user_version').get();
  const version = Number(row?.['user_version'] ?? 0);
  if (version > SCHEMA_VERSION) {
    throw new BusError(`opening the bus at ${path}: it was written by a newer Sluice (schema ${version}, this one knows ${SCHEMA_VERSION})`, {
      kind: 'unavailable',
    });
  }
  if (version === SCHEMA_VERSION) return;
  db.exec('BEGIN');
  db.exec(DDL);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  db.exec('COMMIT');
}
