import { createHmac } from 'node:crypto';
import type { PlannedRequest } from '../../http.ts';
import type { OutboundEvent } from '../../types.ts';

/** Webhook settings with defaults applied and secret header values resolved. */
export interface WebhookTarget {
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  /** Static headers and the ones read from the credentials Secret. */
  headers: Record<string, string>;
  batch: boolean;
  signing?: { key: string; header: string };
}

export const USER_AGENT = 'sluice-webhook/0.1';

/**
 * The requests for a batch. With `batch` on, one request whose body is
 * `{"batch":[…payloads]}` — the shape of Segment's /v1/batch, so receivers written for
 * Segment (or another Sluice) read it as is; with it off, one request per event whose
 * body is the payload itself, like Segment's webhook destination. A signature, when
 * configured, is HMAC-SHA256 over the exact body bytes: `sha256=<hex>`.
 */
export function buildWebhookRequests(batch: readonly OutboundEvent[], target: WebhookTarget): PlannedRequest[] {
  if (target.batch) {
    const body = `{"batch":[${batch.map((e) => JSON.stringify(e.payload)).join(',')}]}`;
    return [{ spec: request(target, body, batch.map((e) => e.messageId)), positions: batch.map((_, i) => i) }];
  }
  return batch.map((e, i) => ({ spec: request(target, JSON.stringify(e.payload), [e.messageId]), positions: [i] }));
}

function request(target: WebhookTarget, body: string, messageIds: string[]) {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...target.headers };
  if (target.signing) headers[target.signing.header] = signBody(body, target.signing.key);
  return { method: target.method, url: target.url, headers, body, messageIds };
}

export function signBody(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;
}
