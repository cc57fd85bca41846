import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { SegmentEvent } from '../../event.ts';
import type { Violation } from '../../plan/types.ts';
import type { DeadLetterEntry, QuarantineEntry } from '../types.ts';
import type { SourceState } from './log.ts';

const PRUNE_CHUNK = 5_000;

export interface PreparedQuarantine {
  body: string;
  violations: string;
}

export interface PreparedDeadLetter {
  source: string;
  messageId: string;
  body: string;
  reason: string;
  status: number | null;
  bodyExcerpt: string | null;
  attempts: number;
}

export interface DeadLetterRow {
  id: number;
  source: string;
  seq: number | null;
  body: string;
}

/** Events kept aside with why: quarantined by the tracking plan (per source), dead-lettered by delivery (per destination). */
export class Holding {
  readonly #s: ReturnType<typeof prepare>;

  constructor(db: DatabaseSync) {
    this.#s = prepare(db);
  }

  quarantine(source: SourceState, entries: PreparedQuarantine[], at: number): void {
    for (const e of entries) this.#s.insertQuarantine.run(source.id, at, e.body, e.violations);
  }

  listQuarantine(source: SourceState, limit: number): QuarantineEntry[] {
    return this.#s.listQuarantine.all(source.id, limit).map((r) => ({
      source: source.name,
      at: Number(r['at']),
      event: JSON.parse(String(r['body'])) as SegmentEvent,
      violations: JSON.parse(String(r['violations'])) as Violation[],
    }));
  }

  deadLetter(destination: string, e: PreparedDeadLetter, seq: number | undefined, at: number): void {
    this.#s.insertDead.run(destination, e.source, seq ?? null, e.messageId, at, e.body, e.reason, e.status, e.bodyExcerpt, e.attempts);
  }

  listDeadLetters(destination: string, limit: number): DeadLetterEntry[] {
    return this.#s.listDead.all(destination, limit).map((r) => {
      const entry: DeadLetterEntry = {
        destination,
        source: String(r['source']),
        event: JSON.parse(String(r['body'])) as SegmentEvent,
        reason: String(r['reason']),
        attempts: Number(r['attempts']),
        at: Number(r['at']),
      };
      if (r['status'] != null) entry.status = Number(r['status']);
      if (r['body_excerpt'] != null) entry.bodyExcerpt = String(r['body_excerpt']);
      return entry;
    });
  }

  /** The destination's dead letters after `afterId`, oldest first. */
  deadLettersAfter(destination: string, afterId: number, limit: number): DeadLetterRow[] {
    return this.#s.deadAfter.all(destination, afterId, limit).map((r) => ({
      id: Number(r['id']),
      source: String(r['source']),
      seq: r['seq'] == null ? null : Number(r['seq']),
      body: String(r['body']),
    }));
  }

  removeDeadLetter(id: number): void {
    this.#s.deleteDead.run(id);
  }

  /** Deletes one chunk of entries older than `cutoff`; returns how many. */
  pruneChunk(source: SourceState, cutoff: number): number {
    return Number(this.#s.pruneQuarantine.run(source.id, cutoff, PRUNE_CHUNK).changes) + Number(this.#s.pruneDead.run(source.name, cutoff, PRUNE_CHUNK).changes);
  }

  /** Dead letters of sources that no longer exist, once older than `cutoff`. */
  pruneStrays(liveSources: string[], cutoff: number): number {
    return Number(this.#s.pruneStrays.run(cutoff, JSON.stringify(liveSources), PRUNE_CHUNK).changes);
  }

  purgeRetiredChunk(sourceId: number): number {
    return Number(this.#s.purgeQuarantine.run(sourceId, PRUNE_CHUNK).changes);
  }

  deleteDestination(destination: string): void {
    this.#s.deleteDestDead.run(destination);
  }

  deleteSource(source: SourceState): void {
    this.#s.deleteSourceDead.run(source.name);
  }
}

function prepare(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertQuarantine: p('INSERT INTO quarantine (source_id, at, body, violations) VALUES (?, ?, ?, ?)'),
    listQuarantine: p('SELECT at, body, violations FROM quarantine WHERE source_id = ? ORDER BY at DESC, id DESC LIMIT ?'),
    pruneQuarantine: p('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE source_id = ? AND at < ? LIMIT ?)'),
    purgeQuarantine: p('DELETE FROM quarantine WHERE id IN (SELECT id FROM quarantine WHERE source_id = ? LIMIT ?)'),
    insertDead: p(`INSERT INTO dead_letters (destination, source, seq, message_id, at, body, reason, status, body_excerpt, attempts)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    listDead: p(`SELECT source, at, body, reason, status, body_excerpt, attempts FROM dead_letters
                 WHERE destination = ? ORDER BY at DESC, id DESC LIMIT ?`),
    deadAfter: p('SELECT id, source, seq, body FROM dead_letters WHERE destination = ? AND id > ? ORDER BY id LIMIT ?'),
    deleteDead: p('DELETE FROM dead_letters WHERE id = ?'),
    pruneDead: p('DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE source = ? AND at < ? LIMIT ?)'),
    pruneStrays: p(`DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE at < ?
                    AND source NOT IN (SELECT value FROM json_each(?)) LIMIT ?)`),
    deleteDestDead: p('DELETE FROM dead_letters WHERE destination = ?'),
    deleteSourceDead: p('DELETE FROM dead_letters WHERE source = ?'),
  };
}
