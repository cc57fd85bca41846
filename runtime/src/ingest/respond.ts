import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { REQUEST_CODES, type EventProblem, type RequestCode } from './codes.ts';
import { corsHeaders, type OriginPolicy } from './cors.ts';
import type { Meter } from './stats.ts';

export const SUCCESS = Buffer.from('{"success":true}');

/** What every answer needs to know to be sent and counted. */
export interface Exchange {
  readonly res: ServerResponse;
  readonly endpoint: string;
  readonly origin: string | undefined;
  readonly started: number;
  readonly meter: Meter;
  /** Set once the write key is known. */
  source: string;
  /** Who may read the answer: the Source's origins once known, else every Source's. */
  origins: OriginPolicy;
}

export function send(x: Exchange, status: number, body: Buffer | string, headers: OutgoingHttpHeaders = {}, contentType = 'application/json'): void {
  const res = x.res;
  if (res.headersSent || res.destroyed) return;
  const all: OutgoingHttpHeaders = {
    'content-type': contentType,
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    ...headers,
  };
  if (x.origin !== undefined) Object.assign(all, corsHeaders(x.origin, x.origins));
  res.writeHead(status, all);
  res.end(body);
  x.meter.request(x.source, x.endpoint, status, (performance.now() - x.started) / 1000);
}

export function sendSuccess(x: Exchange): void {
  send(x, 200, SUCCESS);
}

export function sendError(
  x: Exchange,
  code: RequestCode,
  message: string,
  opts: { retryAfter?: number | undefined; close?: boolean; errors?: EventProblem[] } = {},
): void {
  const headers: OutgoingHttpHeaders = {};
  if (opts.retryAfter !== undefined) headers['retry-after'] = String(opts.retryAfter);
  // A body left unread would otherwise be read to its end to keep the connection alive.
  if (opts.close) headers.connection = 'close';
  const body = opts.errors ? { success: false, code, message, errors: opts.errors } : { success: false, code, message };
  send(x, REQUEST_CODES[code].status, JSON.stringify(body), headers);
}
