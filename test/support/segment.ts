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

export interface PublishResult {
  /** messageIds of events in requests answered 200. */
  acked: string[];
  /** Status codes of the requests not answered 200. */
  failures: number[];
}

/** Sends `events` to /v1/batch in batches, `concurrency` requests at a time, over keep-alive. */
export async function publishBatches(
  base: string,
  writeKey: string,
  events: Array<JsonObject & { messageId: string }>,
  opts: { batchSize?: number; concurrency?: number; agent?: Agent } = {},
): Promise<PublishResult> {
  const size = opts.batchSize ?? 100;
  const batches: Array<Array<JsonObject & { messageId: string }>> = [];
  for (let i = 0; i < events.length; i += size) batches.push(events.slice(i, i + size));
  const result: PublishResult = { acked: [], failures: [] };
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const res = await sendSegment(base, 'batch', { batch, sentAt: new Date().toISOString() }, { writeKey, agent: opts.agent });
      if (res.status === 200) result.acked.push(...batch.map((e) => e.messageId));
      else result.failures.push(res.status);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  return result;
}
