import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { PublishResult } from '../types.ts';
import { DedupIndex, hashId, type Hash } from './dedup.ts';
import { firstSeqAtOrAfter, type SeqProbe } from './decide.ts';
import type { Tx } from './writer.ts';

export interface SourceState {
  readonly id: number;
  readonly name: string;
  retentionMs: number;
  lastSeq: number;
  /** stored_at of the newest event: new events never get an earlier one, whatever the clock does. */
  lastStoredAt: number;
  readonly dedup: DedupIndex;
}

/** An event serialised before its transaction starts, so the transaction only writes. */
export interface PreparedEvent {
  messageId: string;
  hash: Hash;
  body: string;
}

export interface StoredEvent {
  seq: number;
  storedAt: number;
  body: string;
}

const PRUNE_CHUNK = 5_000;

/** Sources and their events: append with de-duplication, read in order, prune by age. */
export class EventLog {
  readonly sources = new Map<string, SourceState>();
  readonly #dedup: { windowMs: number; maxEntries: number; onEarlyRotation: (source: string) => void };
  readonly #s: ReturnType<typeof prepare>;
  readonly #scratch: number[] = [];

  constructor(db: DatabaseSync, dedup: { windowMs: number; maxEntries: number; onEarlyRotation: (source: string) => void }) {
    this.#dedup = dedup;
    this.#s = prepare(db);
  }

  /** Reads every source and rebuilds its de-duplication index from the recent events. */
  load(now: number): void {
    for (const row of this.#s.allSources.all()) {
      const state = this.#state(Number(row['id']), String(row['name']), Number(row['retention_ms']), Number(row['last_seq']), now);
      const last = this.#s.lastEvent.get(state.id);
      state.lastStoredAt = last ? Number(last['stored_at']) : 0;
      const from = Math.max(this.firstSeqStoredAtOrAfter(state, now - this.#dedup.windowMs), state.lastSeq - this.#dedup.maxEntries + 1);
      for (const r of this.#s.idsFrom.iterate(state.id, from)) {
        state.dedup.add(hashId(String(r['message_id'])), Number(r['seq']), now - this.#dedup.windowMs);
      }
      this.sources.set(state.name, state);
    }
  }

  ensure(tx: Tx, name: string, retentionMs: number, now: number): SourceState {
    const existing = this.sources.get(name);
    if (existing) {
      if (existing.retentionMs !== retentionMs) {
        this.#s.setRetention.run(retentionMs, existing.id);
        const before = existing.retentionMs;
        existing.retentionMs = retentionMs;
        tx.onRollback(() => (existing.retentionMs = before));
      }
      return existing;
    }
    const id = Number(this.#s.insertSource.run(name, retentionMs, now).lastInsertRowid);
    const state = this.#state(id, name, retentionMs, 0, now);
    this.sources.set(name, state);
    tx.onRollback(() => this.sources.delete(name));
    return state;
  }

  /** Removes the source; its events are purged afterwards in chunks (purgeRetired). */
  retire(tx: Tx, state: SourceState): void {
    this.#s.deleteSource.run(state.id);
    this.#s.retire.run(state.id);
    this.sources.delete(state.name);
    tx.onRollback(() => this.sources.set(state.name, state));
  }

  append(tx: Tx, state: SourceState, events: PreparedEvent[], now: number): PublishResult {
    const before = { lastSeq: state.lastSeq, lastStoredAt: state.lastStoredAt };
    const added: [Hash, number][] = [];
    tx.onRollback(() => {
      Object.assign(state, before);
      for (const [h, seq] of added) state.dedup.remove(h, seq);
    });
    const storedAt = Math.max(now, state.lastStoredAt);
    let stored = 0;
    for (const e of events) {
      if (this.find(state, e) !== undefined) continue;
      const seq = ++state.lastSeq;
      this.#s.insertEvent.run(state.id, seq, e.messageId, storedAt, e.body);
      state.dedup.add(e.hash, seq, now);
      added.push([e.hash, seq]);
      stored++;
    }
    if (stored > 0) {
      this.#s.setLastSeq.run(state.lastSeq, state.id);
      state.lastStoredAt = storedAt;
    }
    return { stored, duplicates: events.length - stored };
  }

  /** The seq of a stored event with this messageId, if it is within the de-duplication window. */
  find(state: SourceState, e: { messageId: string; hash: Hash }): number | undefined {
    const candidates = state.dedup.candidates(e.hash, this.#scratch);
    try {
      for (const seq of candidates) {
        const row = this.#s.messageIdAt.get(state.id, seq);
        if (row !== undefined && row['message_id'] === e.messageId) return seq;
      }
      return undefined;
    } finally {
      candidates.length = 0;
    }
  }

  after(state: SourceState, cursor: number, limit: number): StoredEvent[] {
    return this.#s.after.all(state.id, cursor, limit).map((r) => ({ seq: Number(r['seq']), storedAt: Number(r['stored_at']), body: String(r['body']) }));
  }

  /** The oldest stored seq, or lastSeq + 1 when the source holds nothing. */
  firstSeq(state: SourceState): number {
    const row = this.#s.firstSeq.get(state.id);
    return row?.['seq'] == null ? state.lastSeq + 1 : Number(row['seq']);
  }

  firstSeqStoredAtOrAfter(state: SourceState, time: number): number {
    const probe = (seq: number): SeqProbe | undefined => {
      const r = this.#s.probe.get(state.id, seq);
      return r ? { seq: Number(r['seq']), storedAt: Number(r['stored_at']) } : undefined;
    };
    return firstSeqAtOrAfter(this.firstSeq(state), state.lastSeq, time, probe);
  }

  /** Deletes up to one chunk of events older than `cutoff`; returns how many. */
  pruneChunk(state: SourceState, cutoff: number): number {
    const first = this.firstSeq(state);
    const end = Math.min(this.firstSeqStoredAtOrAfter(state, cutoff), first + PRUNE_CHUNK);
    if (end <= first) return 0;
    return Number(this.#s.deleteRange.run(state.id, first, end).changes);
  }

  retired(): number[] {
    return this.#s.retired.all().map((r) => Number(r['id']));
  }

  /** Deletes one chunk of a retired source's events; forgets the source once none are left. */
  purgeRetiredChunk(id: number): number {
    const n = Number(this.#s.purgeChunk.run(id, PRUNE_CHUNK).changes);
    if (n === 0) this.#s.unretire.run(id);
    return n;
  }

  #state(id: number, name: string, retentionMs: number, lastSeq: number, now: number): SourceState {
    const dedup = new DedupIndex({ windowMs: this.#dedup.windowMs, maxEntries: this.#dedup.maxEntries, startedAt: now - this.#dedup.windowMs });
    dedup.onEarlyRotation = () => this.#dedup.onEarlyRotation(name);
    return { id, name, retentionMs, lastSeq, lastStoredAt: 0, dedup };
  }
}

function prepare(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    allSources: p('SELECT id, name, retention_ms, last_seq FROM sources'),
    insertSource: p('INSERT INTO sources (name, retention_ms, created_at) VALUES (?, ?, ?)'),
    setRetention: p('UPDATE sources SET retention_ms = ? WHERE id = ?'),
    setLastSeq: p('UPDATE sources SET last_seq = ? WHERE id = ?'),
    deleteSource: p('DELETE FROM sources WHERE id = ?'),
    retire: p('INSERT OR IGNORE INTO retired_sources (id) VALUES (?)'),
    retired: p('SELECT id FROM retired_sources'),
    unretire: p('DELETE FROM retired_sources WHERE id = ?'),
    purgeChunk: p('DELETE FROM events WHERE rowid IN (SELECT rowid FROM events WHERE source_id = ? LIMIT ?)'),
    insertEvent: p('INSERT INTO events (source_id, seq, message_id, stored_at, body) VALUES (?, ?, ?, ?, ?)'),
    messageIdAt: p('SELECT message_id FROM events WHERE source_id = ? AND seq = ?'),
    lastEvent: p('SELECT seq, stored_at FROM events WHERE source_id = ? ORDER BY seq DESC LIMIT 1'),
    firstSeq: p('SELECT min(seq) AS seq FROM events WHERE source_id = ?'),
    probe: p('SELECT seq, stored_at FROM events WHERE source_id = ? AND seq >= ? ORDER BY seq LIMIT 1'),
    idsFrom: p('SELECT seq, message_id FROM events WHERE source_id = ? AND seq >= ? ORDER BY seq'),
    after: p('SELECT seq, stored_at, body FROM events WHERE source_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    deleteRange: p('DELETE FROM events WHERE source_id = ? AND seq >= ? AND seq < ?'),
  };
}
