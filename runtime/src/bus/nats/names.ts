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
/** Kubernetes namespaces are DNS labels; anything longer is not one. */
const NAMESPACE_MAX = 63;

/**
 * Every name derived from one prefix and, in a cluster, the resources' namespace (`<ns>`
 * below: its token; Sources and Destinations are unique only within a namespace, so two
 * named `web` in different namespaces must not share a stream). Layout:
 * - `<P>_SRC_<ns>__<source>`: a Source's events on `<P>.src.<ns>.<source>`, and dead
 *   letters replayed for one destination on `<P>.rpl.<ns>.<source>.<destination>`;
 * - `<P>_QUAR_<ns>__<source>`: what the tracking plan blocked, on `<P>.quar.<ns>.<source>`;
 * - `<P>_DLQ_<ns>__<destination>`: dead letters, on `<P>.dlq.<ns>.<destination>.<source>`;
 * - consumers on the source stream (already within the namespace): `<destination>__<source>`
 *   (events) and `<destination>__<source>__replay` (that destination's replays).
 * Without a namespace (`sluice run` on NATS) the `<ns>__` and `.<ns>` parts are left out;
 * the subjects then have one token fewer, so neither layout's wildcards match the other's.
 */
export class Names {
  readonly prefix: string;
  readonly namespace: string | undefined;
  /** `<ns>__` in stream names, `.<ns>` in subjects; empty without a namespace. */
  readonly #stream: string;
  readonly #subject: string;

  constructor(prefix: string, namespace?: string) {
    if (!PREFIX.test(prefix)) {
      throw new BusError(`checking the NATS prefix: expected 1 to 32 letters, digits or '-', got ${JSON.stringify(prefix.slice(0, 40))}`, { kind: 'invalid' });
    }
    if (namespace !== undefined && (namespace.length === 0 || namespace.length > NAMESPACE_MAX)) {
      throw new BusError(`checking the namespace of bus names: expected 1 to ${NAMESPACE_MAX} characters, got ${namespace.length}`, { kind: 'invalid' });
    }
    this.prefix = prefix;
    this.namespace = namespace;
    const ns = namespace === undefined ? undefined : token(namespace);
    this.#stream = ns === undefined ? '' : `${ns}__`;
    this.#subject = ns === undefined ? '' : `.${ns}`;
  }

  sourceStream(source: Token): string {
    return `${this.prefix}_SRC_${this.#stream}${source}`;
  }

  quarantineStream(source: Token): string {
    return `${this.prefix}_QUAR_${this.#stream}${source}`;
  }

  deadLetterStream(destination: Token): string {
    return `${this.prefix}_DLQ_${this.#stream}${destination}`;
  }

  eventSubject(source: Token): string {
    return `${this.prefix}.src${this.#subject}.${source}`;
  }

  replaySubject(source: Token, destination: Token): string {
    return `${this.prefix}.rpl${this.#subject}.${source}.${destination}`;
  }

  replaySubjects(source: Token): string {
    return `${this.prefix}.rpl${this.#subject}.${source}.*`;
  }

  quarantineSubject(source: Token): string {
    return `${this.prefix}.quar${this.#subject}.${source}`;
  }

  deadLetterSubject(destination: Token, source: Token): string {
    return `${this.prefix}.dlq${this.#subject}.${destination}.${source}`;
  }

  deadLetterSubjects(destination: Token): string {
    return `${this.prefix}.dlq${this.#subject}.${destination}.*`;
  }

  /** Matches every source stream of this prefix and namespace (for listing). */
  get allEvents(): string {
    return `${this.prefix}.src${this.#subject}.*`;
  }

  /** Matches every dead-letter stream of this prefix and namespace. */
  get allDeadLetters(): string {
    return `${this.prefix}.dlq${this.#subject}.*.*`;
  }

  consumer(destination: Token, source: Token): string {
    return `${destination}__${source}`;
  }

  replayConsumer(destination: Token, source: Token): string {
    return `${destination}__${source}__replay`;
  }

  /** The source token of a source stream name, or undefined for any other stream. */
  sourceOf(stream: string): Token | undefined {
    return tokenAfter(stream, `${this.prefix}_SRC_${this.#stream}`);
  }

  /** The destination token of a dead-letter stream name, or undefined for any other stream. */
  destinationOf(stream: string): Token | undefined {
    return tokenAfter(stream, `${this.prefix}_DLQ_${this.#stream}`);
  }
}

function tokenAfter(stream: string, head: string): Token | undefined {
  if (!stream.startsWith(head)) return undefined;
  const rest = stream.slice(head.length);
  return /^[a-z0-9_-]{1,49}$/.test(rest) ? (rest as Token) : undefined;
}
