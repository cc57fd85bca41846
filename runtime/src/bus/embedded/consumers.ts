import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventLog, SourceState } from './log.ts';

/** One durable consumer: a destination reading one source. */
export interface ConsumerKey {
  readonly destination: string;
  readonly source: SourceState;
}

export interface TakenEvent {
  seq: number;
  attempt: number;
  storedAt: number;
  body: string;
}

/**
 * Consumer state: a cursor (every event up to it was handed out) and a row per event
 * handed out and not yet acked. Fetch takes due rows (ackWait expired, nak delay over,
 * replayed) and then events after the cursor; ack deletes the row.
 */
export class ConsumerStore {
  readonly #s: ReturnType<typeof prepare>;
  readonly #log: EventLog;

  constructor(db: DatabaseSync, log: EventLog) {
    this.#s = prepare(db);
    this.#log = log;
  }

  cursor(key: ConsumerKey): number | undefined {
    const row = this.#s.cursor.get(key.destination, key.source.id);
    return row ? Number(row['cursor']) : undefined;
  }

  create(key: ConsumerKey, cursor: number, now: number): void {
    this.#s.create.run(key.destination, key.source.id, cursor, now);
  }

  /** Marks up to `max` events in flight until now + ackWaitMs and returns them in seq order. Runs inside a transaction. */
  take(key: ConsumerKey, max: number, now: number, ackWaitMs: number): TakenEvent[] {
    const { destination } = key;
    const sid = key.source.id;
    const cursor = this.cursor(key);
    if (cursor === undefined) return [];
    const visibleAt = now + ackWaitMs;
    const out: TakenEvent[] = [];
    for (const r of this.#s.due.all(destination, sid, now, max)) {
      const seq = Number(r['seq']);
      if (r['body'] == null) {
        // The event left the retention window while waiting for a retry.
        this.#s.delete.run(destination, sid, seq);
        continue;
      }
      const attempt = Number(r['attempt']) + 1;
      this.#s.redeliver.run(visibleAt, attempt, destination, sid, seq);
      out.push({ seq, attempt, storedAt: Number(r['stored_at']), body: String(r['body']) });
    }
    if (out.length < max) {
      const fresh = this.#log.after(key.source, cursor, max - out.length);
      for (const e of fresh) {
        this.#s.insert.run(destination, sid, e.seq, visibleAt);
        out.push({ seq: e.seq, attempt: 1, storedAt: e.storedAt, body: e.body });
      }
      const last = fresh.at(-1);
      if (last) this.#s.setCursor.run(last.seq, destination, sid);
    }
    if (out.length > 1) out.sort((a, b) => a.seq - b.seq);
    return out;
  }

  ack(key: ConsumerKey, seq: number): void {
    this.#s.delete.run(key.destination, key.source.id, seq);
  }

  /** Delays redelivery; ignored when the event was acked or redelivered since (a stale nak). */
  nak(key: ConsumerKey, seq: number, attempt: number, visibleAt: number): void {
    this.#s.nak.run(visibleAt, key.destination, key.source.id, seq, attempt);
  }

  /** When the next waiting event becomes due, if any. */
  nextDueAt(key: ConsumerKey): number | undefined {
    const row = this.#s.nextDue.get(key.destination, key.source.id);
    return row?.['at'] == null ? undefined : Number(row['at']);
  }

  /** Handed out and not acked, counting only events still stored. */
  unacked(key: ConsumerKey, firstSeq: number): number {
    return Number(this.#s.unacked.get(key.destination, key.source.id, firstSeq)?.['n'] ?? 0);
  }

  /** Queues a dead-lettered event for redelivery with its own copy of the body (the original may be pruned). */
  replay(key: ConsumerKey, seq: number, body: string, now: number): void {
    this.#s.replay.run(key.destination, key.source.id, seq, now, body, now);
  }

  /** After a restart nothing is in flight any more: make it due now. */
  releaseInFlight(): number {
    return Number(this.#s.release.run().changes);
  }

  dropOrphans(source: SourceState, firstSeq: number): number {
    return Number(this.#s.orphans.run(source.id, firstSeq).changes);
  }

  deleteDestination(destination: string): void {
    this.#s.deleteDestConsumers.run(destination);
    this.#s.deleteDestDeliveries.run(destination);
  }

  deleteSource(source: SourceState): void {
    this.#s.deleteSourceConsumers.run(source.id);
    this.#s.deleteSourceDeliveries.run(source.id);
  }
}

function prepare(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    cursor: p('SELECT cursor FROM consumers WHERE destination = ? AND source_id = ?'),
    create: p('INSERT INTO consumers (destination, source_id, cursor, created_at) VALUES (?, ?, ?, ?)'),
    setCursor: p('UPDATE consumers SET cursor = ? WHERE destination = ? AND source_id = ?'),
    due: p(`SELECT d.seq, d.attempt, coalesce(d.body, e.body) AS body, coalesce(d.stored_at, e.stored_at) AS stored_at
            FROM deliveries d LEFT JOIN events e ON e.source_id = d.source_id AND e.seq = d.seq
            WHERE d.destination = ? AND d.source_id = ? AND d.visible_at <= ? ORDER BY d.visible_at LIMIT ?`),
    redeliver: p('UPDATE deliveries SET in_flight = 1, visible_at = ?, attempt = ? WHERE destination = ? AND source_id = ? AND seq = ?'),
    insert: p('INSERT INTO deliveries (destination, source_id, seq, in_flight, visible_at, attempt) VALUES (?, ?, ?, 1, ?, 1)'),
    delete: p('DELETE FROM deliveries WHERE destination = ? AND source_id = ? AND seq = ?'),
    nak: p('UPDATE deliveries SET in_flight = 0, visible_at = ? WHERE destination = ? AND source_id = ? AND seq = ? AND attempt = ?'),
    nextDue: p('SELECT min(visible_at) AS at FROM deliveries WHERE destination = ? AND source_id = ?'),
    unacked: p('SELECT count(*) AS n FROM deliveries WHERE destination = ? AND source_id = ? AND (seq >= ? OR body IS NOT NULL)'),
    replay: p(`INSERT INTO deliveries (destination, source_id, seq, in_flight, visible_at, attempt, body, stored_at) VALUES (?, ?, ?, 0, ?, 0, ?, ?)
               ON CONFLICT (destination, source_id, seq) DO UPDATE SET in_flight = 0, visible_at = excluded.visible_at, attempt = 0,
               body = excluded.body, stored_at = excluded.stored_at`),
    release: p('UPDATE deliveries SET visible_at = 0 WHERE in_flight = 1'),
    orphans: p('DELETE FROM deliveries WHERE source_id = ? AND seq < ? AND body IS NULL'),
    deleteDestConsumers: p('DELETE FROM consumers WHERE destination = ?'),
    deleteDestDeliveries: p('DELETE FROM deliveries WHERE destination = ?'),
    deleteSourceConsumers: p('DELETE FROM consumers WHERE source_id = ?'),
    deleteSourceDeliveries: p('DELETE FROM deliveries WHERE source_id = ?'),
  };
}
