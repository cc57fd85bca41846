// A webhook endpoint for load: it keeps only messageIds (no bodies), counts copies beyond
// the first, and measures end-to-end latency from the event's receivedAt (stamped by the
// ingest pod on this same machine) to its arrival here. It can go down (connections
// refused, open ones cut) and come back on the same port, as a restarted service does.
import { createServer, type Server } from 'node:http';
import { LatencyHistogram } from '../bench/stats.ts';
import { closeServer, listenOn } from '../support/server.ts';

export interface Sink {
  readonly url: string;
  readonly port: number;
  /** Unique messageIds answered 200. */
  readonly unique: number;
  /** Copies answered 200 beyond the first, summed over messageIds. */
  readonly duplicates: number;
  /** Requests whose body arrived, answered or not yet. */
  readonly requests: number;
  /** Answers every request this much later (0: at once), e.g. to catch a sender mid-request. */
  setDelay(ms: number): void;
  has(messageId: string): boolean;
  /** Latency of first copies, receivedAt → arrival, milliseconds. */
  readonly latency: LatencyHistogram;
  /** Starts measuring latency afresh (e.g. after a warm-up). */
  resetLatency(): void;
  /** Stops listening and cuts open connections: the destination looks down. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

const ID = /"messageId":"([^"]{1,200})"/g;
const RECEIVED_AT = /"receivedAt":"([^"]{1,40})"/g;
const MAX_BODY = 64 * 1024 * 1024;

/** messageIds and receivedAt times of a webhook body, by pattern: cheaper than JSON.parse under load. */
export function scanBody(text: string): Array<{ id: string; receivedAt: number }> {
  const ids = [...text.matchAll(ID)].map((m) => m[1]!);
  const times = [...text.matchAll(RECEIVED_AT)].map((m) => Date.parse(m[1]!));
  return ids.map((id, i) => ({ id, receivedAt: times.length === ids.length ? times[i]! : NaN }));
}

export async function startSink(): Promise<Sink> {
  const seen = new Set<string>();
  let duplicates = 0;
  let requests = 0;
  let delayMs = 0;
  let latency = new LatencyHistogram();

  const make = (): Server =>
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      req.on('end', () => {
        if (size > MAX_BODY) return void res.writeHead(413).end();
        const now = Date.now();
        requests++;
        for (const { id, receivedAt } of scanBody(Buffer.concat(chunks).toString('utf8'))) {
          if (seen.has(id)) duplicates++;
          else {
            seen.add(id);
            if (!Number.isNaN(receivedAt)) latency.record(Math.max(0, now - receivedAt));
          }
        }
        const answer = () => {
          if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        };
        if (delayMs > 0) setTimeout(answer, delayMs);
        else answer();
      });
    });

  let server = make();
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    get unique() {
      return seen.size;
    },
    get duplicates() {
      return duplicates;
    },
    get requests() {
      return requests;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    has: (id) => seen.has(id),
    get latency() {
      return latency;
    },
    resetLatency() {
      latency = new LatencyHistogram();
    },
    down: () => closeServer(server),
    async up() {
      if (server.listening) return;
      server = make();
      await listenOn(server, port);
    },
    close: () => closeServer(server),
  };
}
