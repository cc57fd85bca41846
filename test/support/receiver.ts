import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listenOn, closeServer } from './server.ts';
import { decide, type Behaviour, type BehaviourState } from './behaviour.ts';
import { waitFor } from './wait.ts';

export type { Behaviour } from './behaviour.ts';

type JsonObject = Record<string, unknown>;

export interface ReceivedRequest {
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  /** Events carried by the request (a JSON array, `{batch: [...]}`, or one event). */
  events: JsonObject[];
  /** What the receiver answered. */
  status: number;
}

export interface ReceiverOptions {
  behaviour?: Behaviour;
  /** Keep every request (headers, body). Off for benchmarks, which only count. */
  record?: boolean;
  /** Largest accepted request body; larger ones are answered 413. */
  maxBodyBytes?: number;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Every request, in arrival order (empty when `record` is off). */
  readonly requests: ReceivedRequest[];
  setBehaviour(b: Behaviour): void;
  /** Events answered with a 2xx, first copy per messageId, in arrival order. */
  delivered(): JsonObject[];
  deliveredIds(): ReadonlySet<string>;
  /** Unique messageIds answered with a 2xx. */
  readonly deliveredCount: number;
  /** Copies answered 2xx beyond the first, summed over messageIds. */
  readonly duplicates: number;
  /** How many requests carried this messageId, whatever the answer. */
  attempts(messageId: string): number;
  /** Time of the last 2xx-answered request (ms since epoch), 0 if none. */
  readonly lastDeliveryAt: number;
  waitForDelivered(expected: number | Iterable<string>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real webhook endpoint on 127.0.0.1 that records what it is sent and answers as told:
 * 200, a failing status for a while or for N requests, a slow answer, or held until the
 * behaviour changes.
 */
export async function startReceiver(opts: ReceiverOptions = {}): Promise<Receiver> {
  const record = opts.record ?? true;
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const requests: ReceivedRequest[] = [];
  const firstCopy = new Map<string, JsonObject>();
  const attempts = new Map<string, number>();
  let duplicates = 0;
  let lastDeliveryAt = 0;
  let state: BehaviourState = { behaviour: opts.behaviour ?? { kind: 'ok' }, since: Date.now(), served: 0 };
  const held: Array<() => void> = [];

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const decision = decide(state, Date.now());
    state = decision.next;
    if (decision.hold) {
      held.push(() => handle(req, res, raw));
      return;
    }
    const body = parseBody(raw, req.headers['content-encoding']);
    const events = extractEvents(body);
    for (const e of events) {
      const id = messageIdOf(e);
      if (id !== undefined) attempts.set(id, (attempts.get(id) ?? 0) + 1);
    }
    const reply = () => {
      if (res.destroyed) return;
      const ok = decision.status >= 200 && decision.status < 300;
      if (ok) {
        lastDeliveryAt = Date.now();
        for (const e of events) {
          const id = messageIdOf(e);
          if (id === undefined) continue;
          if (firstCopy.has(id)) duplicates++;
          else firstCopy.set(id, e);
        }
      }
      if (record) requests.push({ at: Date.now(), method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, events, status: decision.status });
      res.writeHead(decision.status, { 'content-type': 'application/json', ...decision.headers });
      res.end(decision.body);
    };
    if (decision.delayMs > 0) setTimeout(reply, decision.delayMs);
    else reply();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBodyBytes) chunks.push(c);
    });
    req.on('end', () => {
      if (size > maxBodyBytes) {
        res.writeHead(413).end();
        return;
      }
      handle(req, res, Buffer.concat(chunks));
    });
  });
  server.keepAliveTimeout = 30_000;
  const port = await listenOn(server);

  const releaseHeld = () => {
    for (const h of held.splice(0)) h();
  };

  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    requests,
    setBehaviour(b) {
      state = { behaviour: b, since: Date.now(), served: 0 };
      if (b.kind !== 'hold') releaseHeld();
    },
    delivered: () => [...firstCopy.values()],
    deliveredIds: () => new Set(firstCopy.keys()),
    get deliveredCount() {
      return firstCopy.size;
    },
    get duplicates() {
      return duplicates;
    },
    attempts: (id) => attempts.get(id) ?? 0,
    get lastDeliveryAt() {
      return lastDeliveryAt;
    },
    async waitForDelivered(expected, timeoutMs = 30_000) {
      const ids = typeof expected === 'number' ? undefined : [...expected];
      const want = ids ? ids.length : (expected as number);
      await waitFor(() => (ids ? ids.every((id) => firstCopy.has(id)) : firstCopy.size >= want), {
        timeoutMs,
        what: `${want} events delivered to the receiver`,
        detail: () => `delivered ${firstCopy.size} unique, ${duplicates} duplicates, ${requests.length} requests recorded; last answers: ${requests.slice(-5).map((r) => r.status).join(', ')}`,
      });
    },
    async close() {
      state = { behaviour: { kind: 'fail', status: 503 }, since: Date.now(), served: 0 };
      releaseHeld();
      await closeServer(server);
    },
  };
}

function parseBody(raw: Buffer, encoding: string | undefined): unknown {
  let buf = raw;
  if (encoding === 'gzip') {
    try {
      buf = gunzipSync(raw);
    } catch {
      return raw.toString('utf8');
    }
  }
  const text = buf.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The shapes a webhook body may take: an array of events, `{batch: [...]}`, or one event. */
export function extractEvents(body: unknown): JsonObject[] {
  if (Array.isArray(body)) return body.filter(isObject);
  if (!isObject(body)) return [];
  if (Array.isArray(body.batch)) return body.batch.filter(isObject);
  if (Array.isArray(body.events)) return body.events.filter(isObject);
  return typeof body.messageId === 'string' ? [body] : [];
}

function messageIdOf(e: JsonObject): string | undefined {
  return typeof e.messageId === 'string' ? e.messageId : undefined;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
