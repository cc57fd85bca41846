import { createHash } from 'node:crypto';
import { BusError } from '../types.ts';

/**
 * How Sluice names its JetStream objects. Source and destination names (Kubernetes names,
 * up to 253 characters) become tokens that are valid in stream names, consumer names and
 * subjects alike, and short enough for the server's file store, which makes a directory
 * per stream and consumer:
 * - [a-z0-9-] stay as they are; every other byte of the UTF-8 name becomes `_xx` (hex),
 *   so `_` never appears unescaped and `__` can separate two tokens unambiguously;
 * - an encoding longer than 48 characters is cut to 32 and followed by `_` and 16 hex
 *   digits of its SHA-256: exactly 49 characters, a length no plain encoding has.
 */
export type Token = string & { readonly __token: unique symbol };

const TOKEN_MAX = 48;
const KEEP = /^[a-z0-9-]$/;

export function token(name: string): Token {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += KEEP.test(c) ? c : `_${byte.toString(16).padStart(2, '0')}`;
  }
  if (out.length <= TOKEN_MAX) return out as Token;
  const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16);
  return `${out.slice(0, 32)}_${digest}` as Token;
}

const PREFIX = /^[A-Za-z0-9-]{1,32}$/;

/**
 * Every name derived from one prefix. Layout:
 * - `<P>_SRC_<source>`: a Source's events on `<P>.src.<source>`, and dead letters replayed
 *   for one destination on `<P>.rpl.<source>.<destination>`;
 * - `<P>_QUAR_<source>`: what the tracking plan blocked, on `<P>.quar.<source>`;
 * - `<P>_DLQ_<destination>`: dead letters, on `<P>.dlq.<destination>.<source>`;
 * - consumers on the source stream: `<destination>__<source>` (events) and
 *   `<destination>__<source>__replay` (that destination's replays).
 */
export class Names {
  readonly prefix: string;

  constructor(prefix: string) {
    if (!PREFIX.test(prefix)) {
      throw new BusError(`checking the NATS prefix: expected 1 to 32 letters, digits or '-', got ${JSON.stringify(prefix.slice(0, 40))}`, { kind: 'invalid' });
    }
    this.prefix = prefix;
  }

  sourceStream(source: Token): string {
    return `${this.prefix}_SRC_${source}`;
  }

  quarantineStream(source: Token): string {
    return `${this.prefix}_QUAR_${source}`;
  }

  deadLetterStream(destination: Token): string {
    return `${this.prefix}_DLQ_${destination}`;
  }

  eventSubject(source: Token): string {
    return `${this.prefix}.src.${source}`;
  }

  replaySubject(source: Token, destination: Token): string {
    return `${this.prefix}.rpl.${source}.${destination}`;
  }

  replaySubjects(source: Token): string {
    return `${this.prefix}.rpl.${source}.*`;
  }

  quarantineSubject(source: Token): string {
    return `${this.prefix}.quar.${source}`;
  }

  deadLetterSubject(destination: Token, source: Token): string {
    return `${this.prefix}.dlq.${destination}.${source}`;
  }

  deadLetterSubjects(destination: Token): string {
    return `${this.prefix}.dlq.${destination}.*`;
  }

  /** Matches every source stream of this prefix (for listing). */
  get allEvents(): string {
    return `${this.prefix}.src.>`;
  }

  get allDeadLetters(): string {
    return `${this.prefix}.dlq.>`;
  }

  consumer(destination: Token, source: Token): string {
    return `${destination}__${source}`;
  }

  replayConsumer(destination: Token, source: Token): string {
    return `${destination}__${source}__replay`;
  }

  /** The source token of a source stream name, or undefined for any other stream. */
  sourceOf(stream: string): Token | undefined {
    return tokenAfter(stream, `${this.prefix}_SRC_`);
  }

  /** The destination token of a dead-letter stream name, or undefined for any other stream. */
  destinationOf(stream: string): Token | undefined {
    return tokenAfter(stream, `${this.prefix}_DLQ_`);
  }
}

function tokenAfter(stream: string, head: string): Token | undefined {
  if (!stream.startsWith(head)) return undefined;
  const rest = stream.slice(head.length);
  return /^[a-z0-9_-]{1,49}$/.test(rest) ? (rest as Token) : undefined;
}
