import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Bus, PublishResult } from '../bus/types.ts';
import { isObject, type EventType, type JsonObject } from '../event.ts';
import { accountFailed, accountRefused, accountStored, type ViolationRecorder } from './account.ts';
import { admit, problemsOf, type Admission } from './admit.ts';
import { parseAuthorization, requestKey } from './auth.ts';
import { openEnvelope, type Envelope } from './batch.ts';
import { decodeBody, readBody, ClientGone } from './body.ts';
import { IngestError, type EventProblem } from './codes.ts';
import { preflightHeaders } from './cors.ts';
import { clientIp, type RequestFacts } from './normalise.ts';
import { decodePixelData, PIXEL_GIF } from './pixel.ts';
import { send, sendError, sendSuccess, type Exchange } from './respond.ts';
import { route, splitUrl, type Route } from './routes.ts';
import { scanJson } from './scan.ts';
import { formatIso, readTime } from './timestamps.ts';
import { baseFromRequest, settingsBody, type ApiBase } from './settings.ts';
import type { IngestConfig, SourceState } from './sources.ts';
import type { Meter } from './stats.ts';

export const MAX_DEPTH = 64;
/** Most problems listed in one 400 `invalid_events` answer. */
export const MAX_PROBLEMS = 200;
const BUS_RETRY_AFTER = 1;
const NO_CACHE = { 'cache-control': 'no-cache, no-store, must-revalidate' };

export interface HandlerDeps {
  bus: Bus;
  meter: Meter;
  sampler: ViolationRecorder;
  config(): IngestConfig;
  apiBase: ApiBase | undefined;
  now(): number;
}

/** Serves one request under /v1/. Never throws; every failure becomes a JSON answer. */
export function handleRequest(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): void {
  const cfg = deps.config();
  const { rest, query } = splitUrl(req.url ?? '/');
  const r = route(rest);
  const origin = req.headers.origin;
  const x: Exchange = { res, endpoint: r.endpoint, origin, started: performance.now(), meter: deps.meter, source: '(none)', origins: cfg.origins };
  if (req.method === 'OPTIONS') return preflight(x, origin, cfg);
  if (r.kind === 'unknown') return sendError(x, 'not_found', `routing ${rest.slice(0, 100)}: no such endpoint under /v1/`);
  if (req.method !== r.method) {
    return sendError(x, 'method_not_allowed', `routing /v1/${r.endpoint}: use ${r.method}, not ${req.method ?? '?'}`);
  }
  let work: Promise<void>;
  switch (r.kind) {
    case 'telemetry':
      return sendSuccess(x);
    case 'settings':
      return serveSettings(deps, cfg, x, req, r.writeKey);
    case 'pixel':
      work = servePixel(deps, cfg, x, req, r.type, query);
      break;
    case 'events':
      work = serveEvents(deps, cfg, x, req, r);
      break;
  }
  work.catch((err: unknown) => fail(x, req, err));
}

/** Answers a failed request; never throws, whatever state the response is in. */
export function fail(x: Exchange, req: IncomingMessage, err: unknown): void {
  try {
    if (err instanceof ClientGone) return;
    if (err instanceof IngestError) {
      // Node reads an unread body through to keep the connection; for a huge one, close instead.
      const close = err.code === 'request_too_large' && !req.complete;
      sendError(x, err.code, err.message, { retryAfter: err.retryAfter, close });
    } else {
      sendError(x, 'internal', `serving /v1/${x.endpoint}: ${err instanceof Error ? err.message : String(err)}`);
    }
  } catch {
    x.res.destroy();
  }
}

function preflight(x: Exchange, origin: string | undefined, cfg: IngestConfig): void {
  if (origin === undefined) return send(x, 204, '', { allow: 'POST, GET, OPTIONS' });
  if (!cfg.origins.allows(origin)) return sendError(x, 'origin_not_allowed', `answering a preflight: origin ${origin.slice(0, 200)} is not allowed by any Source`);
  send(x, 204, '', preflightHeaders(origin));
}

async function serveEvents(deps: HandlerDeps, cfg: IngestConfig, x: Exchange, req: IncomingMessage, r: Extract<Route, { kind: 'events' }>): Promise<void> {
  const header = parseAuthorization(req.headers.authorization);
  // With a Basic key the Source (and its limits) is known before reading a byte.
  let source = header.scheme === 'basic' ? authenticate(deps, cfg, x, header.key) : undefined;
  const single = r.type !== undefined;
  const limit = source ? (single ? source.limits.maxEventBytes : source.limits.maxBatchBytes) : single ? cfg.maxEventBytes : cfg.maxBatchBytes;
  const raw = await readBody(req, limit);
  const body = await decodeBody(raw, req.headers['content-encoding'], limit);
  const scan = scanJson(body, MAX_DEPTH);
  if (scan.tooDeep) throw new IngestError('too_deep', `reading the body: JSON nested deeper than ${MAX_DEPTH} levels`);
  const parsed = parseJson(body);
  source ??= authenticate(deps, cfg, x, requestKey(header, parsed.writeKey));
  const own = single ? source.limits.maxEventBytes : source.limits.maxBatchBytes;
  if (body.length > own) throw new IngestError('request_too_large', `reading the body: it exceeds ${own} bytes (decompressed)`);
  checkOrigin(x, source);
  const envelope = openEnvelope(parsed, r.type, source.limits.maxBatchEvents);
  const refused = await store(deps, source, envelope, single ? undefined : scan.itemBytes, requestFacts(deps, req, r.type, envelope));
  if (refused) sendError(x, 'invalid_events', refused.message, { errors: refused.errors });
  else sendSuccess(x);
}

async function servePixel(deps: HandlerDeps, cfg: IngestConfig, x: Exchange, req: IncomingMessage, type: EventType | undefined, query: string): Promise<void> {
  // Whatever happens the answer is the GIF: an e-mail client has no use for an error.
  try {
    const data = decodePixelData(query, cfg.maxEventBytes, MAX_DEPTH);
    const key = data ? requestKey(parseAuthorization(req.headers.authorization), data.writeKey) : undefined;
    const source = key === undefined ? undefined : cfg.keys.lookup(key);
    if (data && source) {
      x.source = source.name;
      if (!source.bucket || source.bucket.take(deps.now()) === 0) {
        const envelope = openEnvelope(data, type, 1);
        await store(deps, source, envelope, undefined, requestFacts(deps, req, type, envelope));
      }
    }
  } catch (err) {
    if (err instanceof ClientGone) throw err;
  }
  send(x, 200, PIXEL_GIF, NO_CACHE, 'image/gif');
}

function serveSettings(deps: HandlerDeps, cfg: IngestConfig, x: Exchange, req: IncomingMessage, writeKey: string): void {
  const source = cfg.keys.lookup(writeKey);
  if (!source) return sendError(x, 'not_found', 'loading settings: no Source has this write key');
  x.source = source.name;
  const base =
    deps.apiBase ??
    baseFromRequest(req.headers.host, req.headers['x-forwarded-proto'], 'encrypted' in req.socket) ??
    { host: `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 80}`, protocol: 'http' as const };
  send(x, 200, JSON.stringify(settingsBody(writeKey, base)), NO_CACHE);
}

function authenticate(deps: HandlerDeps, cfg: IngestConfig, x: Exchange, key: string | undefined): SourceState {
  if (key === undefined) throw new IngestError('no_write_key', 'authenticating: no write key; send Authorization: Basic base64(writeKey + ":") or a writeKey field');
  const source = cfg.keys.lookup(key);
  if (!source) throw new IngestError('invalid_write_key', 'authenticating: the write key matches no Source');
  x.source = source.name;
  x.origins = source.origins;
  if (source.bucket) {
    const wait = source.bucket.take(deps.now());
    if (wait > 0) throw new IngestError('rate_limited', `admitting the request: Source ${source.name} allows ${source.bucket.rate} requests a second`, { retryAfter: wait });
  }
  return source;
}

function checkOrigin(x: Exchange, source: SourceState): void {
  if (x.origin !== undefined && !source.origins.allows(x.origin)) {
    throw new IngestError('origin_not_allowed', `admitting the request: origin ${x.origin.slice(0, 200)} is not in Source ${source.name}'s cors.allowedOrigins`);
  }
}

function parseJson(body: Buffer): JsonObject {
  // A UTF-8 byte-order mark is legal in what some clients send and fatal to JSON.parse.
  const start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8', start));
  } catch (err) {
    throw new IngestError('invalid_json', `parsing the body: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(parsed)) throw new IngestError('body_not_object', 'parsing the body: expected a JSON object');
  return parsed;
}

function requestFacts(deps: HandlerDeps, req: IncomingMessage, type: EventType | undefined, envelope: Envelope): RequestFacts {
  const receivedAt = deps.now();
  return {
    receivedAt,
    receivedAtIso: formatIso(receivedAt),
    ip: clientIp(req.headers['x-forwarded-for'], req.socket.remoteAddress),
    sentAt: readTime(envelope.sentAt),
    type,
  };
}

interface Refusal {
  message: string;
  errors: EventProblem[];
}

/**
 * Decides every event, then stores them; resolves once the bus has every one (the caller
 * answers 200 only then), or with the refusal under onInvalid: reject.
 */
async function store(deps: HandlerDeps, source: SourceState, envelope: Envelope, itemBytes: number[] | undefined, facts: RequestFacts): Promise<Refusal | undefined> {
  const a: Admission = admit({ envelope, facts, itemBytes, maxEventBytes: source.limits.maxEventBytes, plan: source.plan });
  if (source.reject && (a.rejected.length > 0 || a.quarantine.length > 0)) {
    safely(() => accountRefused(deps.meter, source, a));
    const bad = a.rejected.length + a.quarantine.length;
    return { message: `validating events: ${bad} of ${a.received} event(s) are invalid; nothing was stored`, errors: problemsOf(a, MAX_PROBLEMS) };
  }
  let stored: PublishResult | undefined;
  try {
    const [published] = await Promise.all([
      a.publish.length > 0 ? deps.bus.publish(source.name, a.publish) : undefined,
      a.quarantine.length > 0 ? deps.bus.quarantine(source.name, a.quarantine) : undefined,
    ]);
    stored = published;
  } catch (err) {
    safely(() => accountFailed(deps.meter, source, a));
    throw new IngestError('bus_unavailable', `storing ${a.publish.length + a.quarantine.length} event(s): ${(err as Error).message}`, {
      cause: err,
      retryAfter: BUS_RETRY_AFTER,
    });
  }
  safely(() => accountStored(deps.meter, deps.sampler, source, a, stored, facts.receivedAt));
  return undefined;
}

/** Counting must never turn stored events into a failed request. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    process.emitWarning(`counting ingest outcomes: ${(err as Error).message}`, { code: 'SLUICE_INGEST_ACCOUNTING' });
  }
}
