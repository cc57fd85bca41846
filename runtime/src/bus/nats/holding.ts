import type { SegmentEvent } from '../../event.ts';
import type { Violation } from '../../plan/types.ts';
import { BusError, type DeadLetterEntry, type DeadLetterInput, type QuarantineEntry, type QuarantineInput } from '../types.ts';
import { LIMITS, checkCount, checkName, deadLetterStreamConfig, truncate, type StreamSettings } from './decide.ts';
import { orMissing, type Link } from './link.ts';
import { token, type Names, type Token } from './names.ts';
import { publishAll, type Outbound } from './publish.ts';
import { StreamReader, readNewest } from './reader.ts';
import { ensureStream, streamNames } from './streams.ts';

export interface HoldingContext {
  readonly link: Link;
  readonly names: Names;
  readonly streams: StreamSettings;
  readonly deadLetterRetentionMs: number;
}

interface StoredQuarantine {
  event: SegmentEvent;
  violations: Violation[];
}

interface StoredDeadLetter {
  source: string;
  event: SegmentEvent;
  reason: string;
  status?: number;
  bodyExcerpt?: string;
  attempts: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Replays are published and removed from the dead-letter stream this many at a time. */
const REPLAY_CHUNK = 200;

/**
 * Events kept aside with why: blocked by the tracking plan (a quarantine stream per
 * source, retention as the source's) and given up by delivery (a dead-letter stream per
 * destination, created on first use, kept `deadLetterRetentionMs`).
 */
export class Holding {
  readonly #c: HoldingContext;
  readonly #dlqReady = new Set<string>();

  constructor(c: HoldingContext) {
    this.#c = c;
  }

  async quarantine(source: Token, name: string, entries: QuarantineInput[]): Promise<void> {
    const doing = `quarantining for ${name}`;
    checkCount('quarantine entries', entries.length, 0, LIMITS.maxPublishEvents);
    if (entries.length === 0) return;
    const subject = this.#c.names.quarantineSubject(source);
    const items = entries.map((e): Outbound => ({ subject, body: encode({ event: e.event, violations: e.violations } satisfies StoredQuarantine) }));
    const r = await publishAll(this.#c.link, doing, items);
    if (r.noStream) throw new BusError(`${doing}: its quarantine stream does not exist (ensureSource first)`, { kind: 'unknown-source' });
  }

  async listQuarantine(source: Token, name: string, limit: number): Promise<QuarantineEntry[]> {
    const stored = await readNewest(this.#c.link, `listing the quarantine of ${name}`, this.#c.names.quarantineStream(source), limit);
    return stored.flatMap(({ msg, info }) => {
      const q = decode<StoredQuarantine>(msg.data);
      return q ? [{ source: name, event: q.event, violations: q.violations, at: info.storedAt }] : [];
    });
  }

  async deadLetter(destination: string, entries: DeadLetterInput[]): Promise<void> {
    const doing = `dead-lettering for ${destination}`;
    checkName('destination', destination);
    checkCount('dead letters', entries.length, 0, LIMITS.maxPublishEvents);
    if (entries.length === 0) return;
    const dest = token(destination);
    const items = entries.map((e): Outbound => {
      checkName('source', e.source);
      const stored: StoredDeadLetter = { source: e.source, event: e.event, reason: truncate(String(e.reason), LIMITS.maxReasonLength), attempts: e.attempts };
      if (e.status !== undefined) stored.status = e.status;
      if (e.bodyExcerpt !== undefined) stored.bodyExcerpt = truncate(e.bodyExcerpt, LIMITS.maxExcerptLength);
      // No Nats-Msg-Id: an event that fails again after a replay must be kept again.
      return { subject: this.#c.names.deadLetterSubject(dest, token(e.source)), body: encode(stored) };
    });
    let r = await this.#publishDead(dest, destination, doing, items);
    if (r.noStream) {
      // Deleted meanwhile (deleteDestination): create it again, once.
      this.#dlqReady.delete(dest);
      r = await this.#publishDead(dest, destination, doing, items);
      if (r.noStream) throw new BusError(`${doing}: the dead-letter stream keeps disappearing`, { kind: 'unavailable' });
    }
  }

  async listDeadLetters(destination: string, limit: number): Promise<DeadLetterEntry[]> {
    checkName('destination', destination);
    const stored = await readNewest(this.#c.link, `listing the dead letters of ${destination}`, this.#c.names.deadLetterStream(token(destination)), limit);
    return stored.flatMap(({ msg, info }) => {
      const d = decode<StoredDeadLetter>(msg.data);
      return d ? [{ destination, ...d, at: info.storedAt }] : [];
    });
  }

  /**
   * Moves the destination's dead letters back in front of it: each is published on the
   * source stream under `<P>.rpl.<source>.<destination>`, which only this destination's
   * replay consumer reads, then deleted from the dead-letter stream. Its Nats-Msg-Id names
   * the dead letter (stream, creation time, sequence), so a replay interrupted between the
   * two steps and run again does not deliver it twice. Dead letters of a source the
   * destination no longer reads stay listed.
   */
  async replayDeadLetters(destination: string, canReplay: (source: Token) => Promise<boolean>): Promise<number> {
    const doing = `replaying the dead letters of ${destination}`;
    checkName('destination', destination);
    const dest = token(destination);
    const stream = this.#c.names.deadLetterStream(dest);
    const si = await this.#c.link.api(doing, (jsm) => orMissing(jsm.streams.info(stream)));
    if (!si || si.state.messages === 0) return 0;
    const incarnation = Date.parse(si.created);
    const reader = await StreamReader.open(this.#c.link, doing, stream, si.state.first_seq);
    if (!reader) return 0;
    const replayable = new Map<Token, boolean>();
    let replayed = 0;
    try {
      for (let batch = await reader.next(); batch.length > 0; batch = await reader.next()) {
        for (let i = 0; i < batch.length; i += REPLAY_CHUNK) {
          const moves: { seq: number; out: Outbound }[] = [];
          for (const { msg, info } of batch.slice(i, i + REPLAY_CHUNK)) {
            const d = decode<StoredDeadLetter>(msg.data);
            if (!d) continue;
            const source = token(d.source);
            if (!replayable.has(source)) replayable.set(source, await canReplay(source));
            if (!replayable.get(source)) continue;
            const msgId = `replay:${dest}:${incarnation}:${info.streamSeq}`;
            moves.push({ seq: info.streamSeq, out: { subject: this.#c.names.replaySubject(source, dest), body: encode(d.event), msgId } });
          }
          if (moves.length === 0) continue;
          const r = await publishAll(this.#c.link, doing, moves.map((m) => m.out));
          if (r.noStream) throw new BusError(`${doing}: a source stream disappeared during the replay`, { kind: 'unavailable' });
          await this.#c.link.api(doing, (jsm) => Promise.all(moves.map((m) => orMissing(jsm.streams.deleteMessage(stream, m.seq, false)))));
          replayed += moves.length;
        }
      }
    } finally {
      await reader.close();
    }
    return replayed;
  }

  /** Removes the dead letters of one source from every destination's stream. */
  async forgetSource(source: Token, name: string): Promise<void> {
    const doing = `deleting the dead letters of ${name}`;
    const { names, link } = this.#c;
    await link.api(doing, async (jsm) => {
      const streams = await streamNames(jsm, names.allDeadLetters);
      await Promise.all(
        streams.map((stream) => {
          const dest = names.destinationOf(stream);
          return dest ? orMissing(jsm.streams.purge(stream, { filter: names.deadLetterSubject(dest, source) })) : Promise.resolve(undefined);
        }),
      );
    });
  }

  async deleteDeadLetters(destination: Token, name: string): Promise<void> {
    this.#dlqReady.delete(destination);
    await this.#c.link.api(`deleting the dead letters of ${name}`, (jsm) => orMissing(jsm.streams.delete(this.#c.names.deadLetterStream(destination))));
  }

  async #publishDead(dest: Token, destination: string, doing: string, items: Outbound[]): ReturnType<typeof publishAll> {
    if (!this.#dlqReady.has(dest)) {
      const { names } = this.#c;
      await ensureStream(this.#c.link, doing, deadLetterStreamConfig(names.deadLetterStream(dest), names.deadLetterSubjects(dest), destination, this.#c.deadLetterRetentionMs, this.#c.streams));
      this.#dlqReady.add(dest);
    }
    return publishAll(this.#c.link, doing, items);
  }
}

function encode(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function decode<T>(data: Uint8Array): T | undefined {
  try {
    const v = JSON.parse(decoder.decode(data)) as unknown;
    return v !== null && typeof v === 'object' ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}
