import { shouldRotate } from './decide.ts';

/**
 * messageId de-duplication for one source, in memory.
 *
 * Why not a UNIQUE (source, message_id) index: messageIds are random, so every insert
 * dirties a different index page and each commit appends one 4 KiB page per event to the
 * WAL; measured on this 2-core machine that caps publishing at 25–40k events/s and falls
 * as the table grows. Here a 64-bit hash maps to the event's sequence number, and a hit is
 * confirmed against the stored row, so a hash collision can never drop an event.
 *
 * Two generations give a window of at least `windowMs` (like NATS' duplicate window):
 * lookups search both, inserts go to the current one, and on rotation the previous one is
 * dropped. `maxEntries` bounds memory (16 bytes a slot, at most half full): reaching it
 * rotates early, shortening the window under heavy load.
 */
export class DedupIndex {
  readonly windowMs: number;
  readonly maxEntries: number;
  #current: HashTable;
  #previous: HashTable | undefined;
  /** Called when the window had to be shortened to stay within maxEntries. */
  onEarlyRotation: (() => void) | undefined;

  constructor(opts: { windowMs: number; maxEntries: number; startedAt: number }) {
    this.windowMs = opts.windowMs;
    this.maxEntries = Math.max(16, opts.maxEntries);
    this.#current = new HashTable(opts.startedAt);
  }

  get size(): number {
    return this.#current.size + (this.#previous?.size ?? 0);
  }

  /** Sequence numbers of stored events whose messageId hashes like this one, to confirm. */
  candidates(h: Hash, out: number[] = []): number[] {
    this.#current.find(h, out);
    this.#previous?.find(h, out);
    return out;
  }

  add(h: Hash, seq: number, now: number): void {
    if (this.windowMs <= 0) return;
    if (shouldRotate(this.#current, now, this.windowMs, this.maxEntries)) {
      if (this.#current.size >= this.maxEntries) this.onEarlyRotation?.();
      this.#previous = this.#current;
      this.#current = new HashTable(now);
    }
    this.#current.insert(h, seq);
  }

  /** Undoes an add whose transaction rolled back. */
  remove(h: Hash, seq: number): void {
    if (!this.#current.delete(h, seq)) this.#previous?.delete(h, seq);
  }
}

export interface Hash {
  hi: number;
  lo: number;
}

/** cyrb53-style 64-bit string hash (two independent 32-bit lanes); fast on short ids. */
export function hashId(text: string): Hash {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return { hi: h1 | 0, lo: h2 | 0 };
}

const EMPTY = 0;
const DELETED = -1;

/** Open addressing with linear probing over typed arrays: 16 bytes a slot, no per-entry objects. */
class HashTable {
  readonly startedAt: number;
  size = 0;
  #used = 0;
  #hi = new Int32Array(1024);
  #lo = new Int32Array(1024);
  #seq = new Float64Array(1024);

  constructor(startedAt: number) {
    this.startedAt = startedAt;
  }

  find(h: Hash, out: number[]): void {
    const mask = this.#seq.length - 1;
    for (let i = h.hi & mask; this.#seq[i] !== EMPTY; i = (i + 1) & mask) {
      const seq = this.#seq[i]!;
      if (seq !== DELETED && this.#hi[i] === h.hi && this.#lo[i] === h.lo) out.push(seq);
    }
  }

  insert(h: Hash, seq: number): void {
    if ((this.#used + 1) * 2 > this.#seq.length) this.#grow();
    const mask = this.#seq.length - 1;
    let i = h.hi & mask;
    while (this.#seq[i] !== EMPTY) i = (i + 1) & mask;
    this.#hi[i] = h.hi;
    this.#lo[i] = h.lo;
    this.#seq[i] = seq;
    this.size++;
    this.#used++;
  }

  delete(h: Hash, seq: number): boolean {
    const mask = this.#seq.length - 1;
    for (let i = h.hi & mask; this.#seq[i] !== EMPTY; i = (i + 1) & mask) {
      if (this.#seq[i] === seq && this.#hi[i] === h.hi && this.#lo[i] === h.lo) {
        this.#seq[i] = DELETED;
        this.size--;
        return true;
      }
    }
    return false;
  }

  #grow(): void {
    const hi = this.#hi;
    const lo = this.#lo;
    const seqs = this.#seq;
    // Only live entries are copied, so a table full of tombstones shrinks back instead of doubling.
    const capacity = Math.max(1024, 2 ** Math.ceil(Math.log2((this.size + 1) * 4)));
    this.#hi = new Int32Array(capacity);
    this.#lo = new Int32Array(capacity);
    this.#seq = new Float64Array(capacity);
    this.size = 0;
    this.#used = 0;
    for (let i = 0; i < seqs.length; i++) {
      const seq = seqs[i]!;
      if (seq !== EMPTY && seq !== DELETED) this.insert({ hi: hi[i]!, lo: lo[i]! }, seq);
    }
  }
}
