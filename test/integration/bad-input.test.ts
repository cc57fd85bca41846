import { randomUUID } from 'node:crypto';
import { Readable, pipeline as pipe } from 'node:stream';
import { createGzip } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { useHarness } from '../support/harness.ts';
import { basicAuth, metricValue, pipeline, request, sendSegment, trackEvent, type Receiver, type Sluice } from '../support/index.ts';

const h = useHarness();
const keys = { lenient: `wk-lenient-${randomUUID()}`, strict: `wk-strict-${randomUUID()}`, throttled: `wk-throttled-${randomUUID()}` };
let sluice: Sluice;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await h.receiver();
  sluice = await h.sluice({
    manifests: [
      ...pipeline({ name: 'lenient', writeKey: keys.lenient, webhookUrl: receiver.url }),
      ...pipeline({ name: 'strict', writeKey: keys.strict, source: { onInvalid: 'reject' } }),
      ...pipeline({ name: 'throttled', writeKey: keys.throttled, source: { limits: { requestsPerSecond: 5 } } }),
    ],
  });
});

const post = (path: string, body: string | Buffer | Readable, headers: Record<string, string> = {}) =>
  request(`${sluice.url}/v1/${path}`, { method: 'POST', body, headers: { authorization: basicAuth(keys.lenient), 'content-type': 'application/json', ...headers } });

/** `mib` MiB of JSON-looking zeros, gzip-compressed on the fly (~1/1000 of it on the wire); never held in memory. */
function gzipBomb(mib: number): Readable {
  const zeros = Buffer.alloc(1 << 20, 0x30);
  const source = Readable.from(
    (function* () {
      yield Buffer.from('{"batch":[{"type":"track","event":"Bomb","anonymousId":"a","properties":{"pad":"');
      for (let i = 0; i < mib; i++) yield zeros;
      yield Buffer.from('"}}]}');
    })(),
  );
  return pipe(source, createGzip({ level: 9 }), () => {});
}

function nested(depth: number): string {
  return `{"batch":[{"type":"track","event":"Deep","anonymousId":"a","properties":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`;
}

describe('bad input', () => {
  it('answers 400 to invalid JSON', async () => {
    const res = await post('batch', '{"batch":[{"type":"track",');
    expect(res.status).toBe(400);
    expect(typeof res.json).toBe('object');
  });

  it('answers 400 to a body over 500 KB', async () => {
    const pad = 'x'.repeat(5000);
    const batch = Array.from({ length: 110 }, () => trackEvent({ properties: { pad } }));
    const body = JSON.stringify({ batch });
    expect(body.length).toBeGreaterThan(512_000);
    expect((await post('batch', body)).status).toBe(400);
  });

  it('answers 400 to more than 2,500 events in a batch', async () => {
    const batch = Array.from({ length: 2501 }, (_, i) => ({ type: 'track', event: 'E', anonymousId: 'a', messageId: `many-${i}` }));
    expect((await post('batch', JSON.stringify({ batch }))).status).toBe(400);
  });

  it('refuses a 1 GiB gzip bomb without inflating it', async () => {
    const t0 = Date.now();
    const res = await post('batch', gzipBomb(1024), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    // Reading a GiB would take far longer than answering at the cap.
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('stops inflating a small gzip bomb at the decompressed-size cap', async () => {
    // 64 MiB inflating from ~64 KB: under the 500 KB body limit as sent, far over it inflated.
    const res = await post('batch', gzipBomb(64), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('request_too_large');
  });

  it('answers 400 to deeply nested JSON', async () => {
    const body = nested(5000);
    expect(body.length).toBeLessThan(32_768);
    expect((await post('batch', body)).status).toBe(400);
  });

  describe("drops malformed events with Segment's reason codes", () => {
    const cases: Array<{ code: string; event: Record<string, unknown> }> = [
      { code: 'no_user_anon_id', event: { type: 'track', event: 'Signed Up' } },
      { code: 'event_not_defined', event: { type: 'track', anonymousId: 'a' } },
      { code: 'event_not_string', event: { type: 'track', anonymousId: 'a', event: 42 } },
      { code: 'properties_not_object', event: { type: 'track', anonymousId: 'a', event: 'Signed Up', properties: 'plenty' } },
      { code: 'traits_not_object', event: { type: 'identify', userId: 'u-1', traits: ['x', 'y'] } },
      { code: 'id_not_string', event: { type: 'track', userId: { id: 1 }, event: 'Signed Up' } },
    ];
    for (const c of cases) {
      it(`${c.code}: 200 with the good events kept (onInvalid: accept), 400 naming it (onInvalid: reject)`, async () => {
        const bad = { ...c.event, messageId: `bad-${c.code}-${randomUUID()}` };
        const good = trackEvent();
        const accepted = await sendSegment(sluice.url, 'batch', { batch: [bad, good] }, { writeKey: keys.lenient });
        expect(accepted.status).toBe(200);
        expect(accepted.json).toEqual({ success: true });
        await receiver.waitForDelivered([good.messageId], 10_000);
        expect(receiver.attempts(bad.messageId)).toBe(0);
        const metrics = await sluice.metrics();
        expect(metricValue(metrics, 'sluice_ingest_events_total', { source: 'lenient', outcome: 'rejected', reason: c.code })).toBe(1);

        const rejected = await sendSegment(sluice.url, 'batch', { batch: [bad, trackEvent()] }, { writeKey: keys.strict });
        expect(rejected.status).toBe(400);
        expect(rejected.text).toContain(c.code);
      });
    }

    it('empty_batch', async () => {
      const res = await sendSegment(sluice.url, 'batch', { batch: [] }, { writeKey: keys.lenient });
      const counted = metricValue(await sluice.metrics(), 'sluice_ingest_events_total', { source: 'lenient', reason: 'empty_batch' });
      expect(res.text.includes('empty_batch') || counted > 0, `answer ${res.status} ${res.text}, counted ${counted}`).toBe(true);
    });
  });

  it('answers 401 to an unknown write key and to a request without one', async () => {
    expect((await sendSegment(sluice.url, 'track', trackEvent(), { writeKey: 'no-such-key' })).status).toBe(401);
    expect((await sendSegment(sluice.url, 'track', trackEvent(), { writeKey: 'no-such-key', auth: 'body' })).status).toBe(401);
    expect((await sendSegment(sluice.url, 'track', trackEvent(), { auth: 'none' })).status).toBe(401);
    expect((await post('track', JSON.stringify(trackEvent()), { authorization: 'Basic !!!not-base64' })).status).toBe(401);
  });

  it('accepts the three ways SDKs authenticate', async () => {
    for (const auth of ['basic', 'body', 'bearer'] as const) {
      const e = trackEvent();
      const res = await sendSegment(sluice.url, 'track', e, { writeKey: keys.lenient, auth });
      expect(res.status, `auth ${auth}`).toBe(200);
      await receiver.waitForDelivered([e.messageId], 10_000);
    }
  });

  it('answers 429 with Retry-After over the rate limit', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => sendSegment(sluice.url, 'track', trackEvent(), { writeKey: keys.throttled })),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
    for (const a of limited) expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('answers the CORS preflight browsers send', async () => {
    const res = await request(`${sluice.url}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-retry-count' },
    });
    expect([200, 204]).toContain(res.status);
    expect(['*', 'https://shop.example.com']).toContain(res.headers['access-control-allow-origin']);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    for (const header of ['authorization', 'content-type', 'x-retry-count']) expect(allowed).toContain(header);
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('still serves a good event after all of that', async () => {
    expect(sluice.proc.exitCode).toBeNull();
    expect((await request(`${sluice.url}/healthz`)).status).toBe(200);
    const e = trackEvent({ event: 'Still Alive' });
    const res = await sendSegment(sluice.url, 'track', e, { writeKey: keys.lenient });
    expect(res.status).toBe(200);
    await receiver.waitForDelivered([e.messageId], 10_000);
  });
});
