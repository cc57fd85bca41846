import type { Msg } from '@nats-io/transport-node';
import { BusError } from '../types.ts';
import { nanos, parseAckSubject, tailStart, type AckInfo } from './decide.ts';
import { orMissing, type Link } from './link.ts';
import { pull } from './pull.ts';

export interface StoredMsg {
  msg: Msg;
  info: AckInfo;
}

const CHUNK = 500;

/**
 * Reads stored messages through a short-lived consumer (no acks, in memory, removed by the
 * server if this process dies before deleting it). Used for listings and replays, never
 * on the hot path.
 */
export class StreamReader {
  readonly #link: Link;
  readonly #doing: string;
  readonly #stream: string;
  readonly #name: string;
  /** Messages there were from the start sequence when the reader was made. */
  readonly pending: number;
  #left: number;

  private constructor(link: Link, doing: string, stream: string, name: string, pending: number) {
    this.#link = link;
    this.#doing = doing;
    this.#stream = stream;
    this.#name = name;
    this.pending = pending;
    this.#left = pending;
  }

  static async open(link: Link, doing: string, stream: string, startSeq: number): Promise<StreamReader | undefined> {
    const ci = await link.api(doing, (jsm) =>
      orMissing(
        jsm.consumers.add(stream, {
          ack_policy: 'none',
          deliver_policy: 'by_start_sequence',
          opt_start_seq: startSeq,
          inactive_threshold: nanos(30_000),
          mem_storage: true,
        }),
      ),
    );
    return ci && new StreamReader(link, doing, stream, ci.name, ci.num_pending);
  }

  /** The next messages (up to CHUNK) of those pending when the reader was made; [] at the end. */
  async next(): Promise<StoredMsg[]> {
    if (this.#left <= 0) return [];
    const graceMs = this.#link.requestTimeoutMs;
    const { msgs, silent } = await pull(this.#link, this.#doing, { stream: this.#stream, consumer: this.#name, batch: Math.min(CHUNK, this.#left), waitMs: 0, graceMs });
    // No max_ack_pending without acks: silence means the reader's consumer is gone.
    if (silent) throw new BusError(`${this.#doing}: no answer from NATS within ${graceMs} ms`, { kind: 'unavailable' });
    this.#left = msgs.length === 0 ? 0 : this.#left - msgs.length;
    const out: StoredMsg[] = [];
    for (const msg of msgs) {
      const info = parseAckSubject(msg.reply ?? '');
      if (info) out.push({ msg, info });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#link.api(this.#doing, (jsm) => orMissing(jsm.consumers.delete(this.#stream, this.#name))).catch(() => undefined);
  }
}

/** The newest `limit` messages of a stream, newest first; [] when the stream does not exist. */
export async function readNewest(link: Link, doing: string, stream: string, limit: number): Promise<StoredMsg[]> {
  const si = await link.api(doing, (jsm) => orMissing(jsm.streams.info(stream)));
  if (!si || si.state.messages === 0) return [];
  const state = { firstSeq: si.state.first_seq, lastSeq: si.state.last_seq };
  const want = Math.min(limit, si.state.messages);
  // Deleted messages leave gaps: widen the window until it holds enough.
  let start = tailStart(state, want);
  for (;;) {
    const reader = await StreamReader.open(link, doing, stream, start);
    if (!reader) return [];
    try {
      if (reader.pending >= want || start <= state.firstSeq) {
        const all: StoredMsg[] = [];
        for (let got = await reader.next(); got.length > 0; got = await reader.next()) all.push(...got);
        return all.slice(-want).reverse();
      }
    } finally {
      await reader.close();
    }
    start = tailStart(state, want, start);
  }
}
