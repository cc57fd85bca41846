/**
 * Request bodies for the load generator: realistic analytics.js-shaped events (~600 bytes)
 * that pass the bench tracking plan, each with its own messageId so the bus stores every one
 * (repeated ids would be de-duplicated and understate the work). Built by string
 * concatenation from pre-serialised pieces so the generator spends little CPU per request.
 */

const CONTEXT = JSON.stringify({
  library: { name: 'analytics.js', version: 'next-1.84.3' },
  page: { path: '/products/42', referrer: 'https://www.example.com/', title: 'Blue Widget', url: 'https://shop.example.com/products/42' },
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  locale: 'en-US',
  campaign: { source: 'newsletter', medium: 'email', name: 'spring' },
});

const KINDS = [
  (i: number) => `"event":"Product Viewed","properties":{"product_id":"p-${i % 997}","price":${(i % 100) + 0.99},"currency":"USD","category":"widgets"}`,
  (i: number) => `"event":"Order Completed","properties":{"order_id":"o-${i}","revenue":${(i % 500) + 10.5},"currency":"EUR","products":[{"product_id":"p-${i % 97}","quantity":2}]}`,
  (i: number) => `"event":"Checkout Started","properties":{"cart_id":"c-${i % 1000}","value":${i % 300},"currency":"USD"}`,
  (_i: number) => `"event":"Signed Up","properties":{"method":"email","plan":"free"}`,
];

export const BENCH_EVENT_NAMES = ['Product Viewed', 'Order Completed', 'Checkout Started', 'Signed Up'] as const;

export function eventJson(prefix: string, seq: number, timestamp: string): string {
  const kind = KINDS[seq % KINDS.length]!;
  return `{"type":"track","messageId":"${prefix}-${seq}","anonymousId":"anon-${seq % 5000}","userId":"user-${seq % 3000}",${kind(seq)},"context":${CONTEXT},"timestamp":"${timestamp}"}`;
}

/** A /v1/batch body of `size` events, numbered from `firstSeq`. */
export function batchBody(prefix: string, firstSeq: number, size: number): string {
  const ts = new Date().toISOString();
  const parts: string[] = new Array<string>(size);
  for (let i = 0; i < size; i++) parts[i] = eventJson(prefix, firstSeq + i, ts);
  return `{"batch":[${parts.join(',')}],"sentAt":"${ts}"}`;
}

/** A /v1/t body as the browser SDK sends it: one event, the write key in the body. */
export function singleBody(prefix: string, seq: number, writeKey: string): string {
  const ts = new Date().toISOString();
  const e = eventJson(prefix, seq, ts);
  return `${e.slice(0, -1)},"writeKey":"${writeKey}","sentAt":"${ts}"}`;
}
