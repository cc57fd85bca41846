import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:http';
import { gzipSync } from 'node:zlib';
import { basicAuth, request, type HttpResponse } from './http.ts';

type JsonObject = Record<string, unknown>;

/** How a request authenticates, as SDKs do (SEGMENT-COMPAT.md). */
export type Auth = 'basic' | 'body' | 'bearer' | 'none';

export interface SendOptions {
  writeKey?: string;
  auth?: Auth;
  gzip?: boolean;
  headers?: Record<string, string>;
  agent?: Agent;
}

/** POSTs a Segment API body to `${base}/v1/${path}`. */
export function sendSegment(base: string, path: string, body: JsonObject, opts: SendOptions = {}): Promise<HttpResponse> {
  const auth = opts.auth ?? 'basic';
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  let payload: JsonObject = body;
  if (opts.writeKey !== undefined) {
    if (auth === 'basic') headers.authorization = basicAuth(opts.writeKey);
    if (auth === 'body' || auth === 'bearer') payload = { ...body, writeKey: opts.writeKey };
    if (auth === 'bearer') headers.authorization = `Bearer ${opts.writeKey}`;
  }
  let data = Buffer.from(JSON.stringify(payload));
  if (opts.gzip) {
    data = gzipSync(data);
    headers['content-encoding'] = 'gzip';
  }
  return request(`${base}/v1/${path}`, { method: 'POST', headers, body: data, agent: opts.agent });
}

/** A valid track event with a fresh messageId. */
export function trackEvent(overrides: JsonObject = {}): JsonObject & { messageId: string } {
  const messageId = typeof overrides.messageId === 'string' ? overrides.messageId : randomUUID();
  return {
    type: 'track',
    event: 'Product Viewed',
    anonymousId: 'anon-1',
    properties: { product_id: 'p-1', price: 9.5 },
    timestamp: new Date().toISOString(),
    ...overrides,
    messageId,
  };
}

/** `n` valid track events, with messageIds carrying `prefix` for easier reading in failures. */
export function trackEvents(n: number, prefix = 'evt'): Array<JsonObject & { messageId: string }> {
  const run = randomUUID().slice(0, 8);
  return Array.from({ length: n }, (_, i) => trackEvent({ messageId: `${prefix}-${run}-${i}`, properties: { product_id: `p-${i}`, price: i } }));
}
