import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basic, metricValue, source, startHarness, type Harness } from './handler.fixture.ts';

const KEY = 'wk_web_1';
const KEY2 = 'wk_web_2';
const BACKEND = 'wk_backend';
let h: Harness;

beforeAll(async () => {
  h = await startHarness([
    source('web', [KEY, KEY2], { cors: { allowedOrigins: ['https://shop.example.com'] }, limits: { maxEventBytes: 1024, maxBatchBytes: 8192, maxBatchEvents: 5 } }),
    source('backend', [BACKEND], { cors: { allowedOrigins: ['https://admin.example.com'] } }),
  ]);
});
afterAll(() => h.close());
beforeEach(async () => {
  h.bus.failWith = undefined;
  await h.mark();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const raw = typeof body === 'string' ? body : body instanceof Uint8Array ? new Uint8Array(body) : JSON.stringify(body);
  return fetch(`${h.url}${path}`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', ...headers } });
}

async function answer(res: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('authentication', () => {
  it('accepts Basic, a body writeKey, and Bearer with a body writeKey; the key selects the Source', async () => {
    expect(await answer(await post('/v1/track', { userId: 'u', event: 'A' }, { authorization: basic(KEY) }))).toEqual({ status: 200, body: { success: true } });
    expect((await post('/v1/track', { userId: 'u', event: 'B', writeKey: KEY2 })).status).toBe(200);
    expect((await post('/v1/track', { userId: 'u', event: 'C', writeKey: BACKEND }, { authorization: 'Bearer some.jwt.token' })).status).toBe(200);
    const web = await h.events('web');
    expect(web.map((e) => e.event)).toEqual(['A', 'B']);
    expect((await h.events('backend')).map((e) => e.event)).toEqual(['C']);
    expect(web.some((e) => 'writeKey' in e)).toBe(false);
  });

  it('answers 401 for a missing or unknown key and stores nothing', async () => {
    expect(await answer(await post('/v1/track', { userId: 'u', event: 'A' }))).toMatchObject({ status: 401, body: { success: false, code: 'no_write_key' } });
    expect(await answer(await post('/v1/track', { userId: 'u', event: 'A' }, { authorization: basic('nope') }))).toMatchObject({
      status: 401,
      body: { code: 'invalid_write_key' },
    });
    expect((await post('/v1/track', { userId: 'u', event: 'A', writeKey: 'nope' }, { authorization: 'Bearer t' })).status).toBe(401);
    expect(await h.events()).toEqual([]);
  });
});

describe('endpoints', () => {
  it.each([
    ['t', 'track'], ['i', 'identify'], ['p', 'page'], ['s', 'screen'], ['g', 'group'], ['a', 'alias'],
    ['track', 'track'], ['identify', 'identify'], ['page', 'page'], ['screen', 'screen'], ['group', 'group'], ['alias', 'alias'],
  ])('/v1/%s stores a %s, whatever type the body claims and under text/plain', async (path, type) => {
    const res = await post(`/v1/${path}`, { type: 'bogus', userId: 'u', previousId: 'p', groupId: 'g', event: 'E', writeKey: KEY }, { 'content-type': 'text/plain' });
    expect(res.status).toBe(200);
    expect((await h.events()).map((e) => e.type)).toEqual([type]);
  });

  it.each(['batch', 'b', 'import'])('/v1/%s stores a batch, merging context and integrations, applying sentAt', async (path) => {
    const res = await post(
      `/v1/${path}`,
      {
        writeKey: KEY,
        sentAt: '2024-05-01T10:00:10.000Z',
        context: { library: { name: 'analytics-kotlin' }, device: { type: 'phone' } },
        integrations: { All: false, Webhook: true },
        batch: [
          { type: 'track', userId: 'u', event: 'A', messageId: `m-${path}`, timestamp: '2024-05-01T10:00:00.000Z', context: { device: { id: 'd' } } },
          { type: 'identify', anonymousId: 'a', traits: { x: 1 }, integrations: { All: true } },
        ],
      },
      { 'x-forwarded-for': '198.51.100.7, 10.0.0.1' },
    );
    expect(res.status).toBe(200);
    const [a, b] = (await h.events());
    expect(a).toMatchObject({
      messageId: `m-${path}`,
      originalTimestamp: '2024-05-01T10:00:00.000Z',
      sentAt: '2024-05-01T10:00:10.000Z',
      context: { library: { name: 'analytics-kotlin' }, device: { type: 'phone', id: 'd' }, ip: '198.51.100.7' },
      integrations: { All: false, Webhook: true },
    });
    const skew = Date.parse(a!.receivedAt) - Date.parse(a!.timestamp);
    expect(skew).toBe(10_000);
    expect(b!.messageId).toMatch(/^sluice-/);
    expect(b!.integrations).toEqual({ All: true, Webhook: true });
    expect(Math.abs(Date.parse(b!.timestamp) - Date.now())).toBeLessThan(60_000);
  });

  it('accepts gzip bodies', async () => {
    const res = await post('/v1/batch', gzipSync(JSON.stringify({ writeKey: KEY, batch: [{ type: 'track', userId: 'u', event: 'Z' }] })), {
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect((await h.events()).map((e) => e.event)).toEqual(['Z']);
  });

  it('accepts and discards browser telemetry on /v1/m without a key', async () => {
    expect(await answer(await post('/v1/m', { series: [] }))).toEqual({ status: 200, body: { success: true } });
    expect([...(await h.events('web')), ...(await h.events('backend'))]).toEqual([]);
  });

  it('answers 404 and 405 as JSON', async () => {
    expect(await answer(await post('/v1/nope', {}))).toMatchObject({ status: 404, body: { success: false, code: 'not_found' } });
    expect(await answer(await fetch(`${h.url}/v1/track`))).toMatchObject({ status: 405, body: { code: 'method_not_allowed' } });
  });
});

describe('bad input', () => {
  it.each([
    ['invalid JSON', '{"userId":', 'invalid_json'],
    ['a JSON array', '[1,2]', 'body_not_object'],
    ['deep nesting', `{"writeKey":"${KEY}","userId":"u","event":"x","properties":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`, 'too_deep'],
  ])('%s → 400 %s', async (_name, body, code) => {
    expect(await answer(await post('/v1/track', body, { authorization: basic(KEY) }))).toMatchObject({ status: 400, body: { success: false, code } });
  });

  it.each([
    ['an oversized single event', '/v1/track', { userId: 'u', event: 'x', properties: { p: 'x'.repeat(2000) } }, 'request_too_large'],
    ['an oversized batch', '/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'x', properties: { p: 'x'.repeat(9000) } }] }, 'request_too_large'],
    ['too many events', '/v1/batch', { batch: Array.from({ length: 6 }, () => ({ type: 'track', userId: 'u', event: 'x' })) }, 'too_many_events'],
    ['an empty batch', '/v1/batch', { batch: [] }, 'empty_batch'],
  ])('%s → 400 %s', async (_name, path, body, code) => {
    expect(await answer(await post(path, body, { authorization: basic(KEY) }))).toMatchObject({ status: 400, body: { code } });
    expect(await h.events()).toEqual([]);
  });

  it('reads a body a little over the limit to its end and answers 400 on a healthy connection', async () => {
    // Chunked, so the size is only learnt while reading.
    const chunks = [JSON.stringify({ batch: [{ type: 'track', userId: 'u', event: 'x', properties: { p: 'x'.repeat(9000) } }] })];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await fetch(`${h.url}/v1/batch`, { method: 'POST', body: stream, duplex: 'half', headers: { authorization: basic(KEY) } } as RequestInit);
    expect(await answer(res)).toMatchObject({ status: 400, body: { code: 'request_too_large' } });
    expect(res.headers.get('connection')).not.toBe('close');
  });

  it('closes the connection on a body far over the limit and keeps serving', async () => {
    const huge = new Uint8Array(8192 * 5);
    const outcome = await post('/v1/batch', huge, { authorization: basic(KEY) }).then(
      (r) => [r.status, r.headers.get('connection')],
      () => 'reset',
    );
    expect([[400, 'close'], 'reset']).toContainEqual(outcome);
    expect((await post('/v1/track', { userId: 'u', event: 'after' }, { authorization: basic(KEY) })).status).toBe(200);
  });

  it('refuses a gzip bomb cheaply and keeps serving', async () => {
    // 200 MB of JSON whitespace in ~200 KB: under the raw limit, so only the inflate cap stops it.
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 0x20), { level: 9 });
    expect(bomb.length).toBeLessThan(512_000);
    const started = performance.now();
    expect(await answer(await post('/v1/batch', bomb, { authorization: basic(BACKEND), 'content-encoding': 'gzip' }))).toMatchObject({
      status: 400,
      body: { code: 'request_too_large' },
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect((await post('/v1/track', { userId: 'u', event: 'after' }, { authorization: basic(KEY) })).status).toBe(200);
  });

  it('refuses a body that is not the gzip it claims, and unknown encodings', async () => {
    expect(await answer(await post('/v1/track', { userId: 'u' }, { authorization: basic(KEY), 'content-encoding': 'gzip' }))).toMatchObject({
      status: 400,
      body: { code: 'bad_encoding' },
    });
    expect((await post('/v1/track', { userId: 'u' }, { authorization: basic(KEY), 'content-encoding': 'br' })).status).toBe(415);
  });

  it('drops malformed events with their reason (onInvalid: accept), stores the rest and answers 200', async () => {
    const res = await post(
      '/v1/batch',
      {
        batch: [
          { type: 'track', userId: 'u', event: 'good' },
          { type: 'track', event: 'no ids' },
          { type: 'track', userId: 'u', event: 'big', properties: { p: 'x'.repeat(1100) } },
          { type: 'purchase', userId: 'u' },
        ],
      },
      { authorization: basic(KEY) },
    );
    expect(await answer(res)).toEqual({ status: 200, body: { success: true } });
    expect((await h.events()).map((e) => e.event)).toEqual(['good']);
    for (const reason of ['no_user_anon_id', 'event_too_large', 'invalid_type']) {
      expect(await metricValue(h.metrics, 'sluice_ingest_events_total', { source: 'web', outcome: 'rejected', reason })).toBeGreaterThanOrEqual(1);
    }
  });

  it('answers 503 with Retry-After when the bus fails, never 200', async () => {
    h.bus.failWith = new Error('disk full');
    const res = await post('/v1/track', { userId: 'u', event: 'x' }, { authorization: basic(KEY) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { code: string }).code).toBe('bus_unavailable');
    h.bus.failWith = undefined;
    expect((await post('/v1/track', { userId: 'u', event: 'x' }, { authorization: basic(KEY) })).status).toBe(200);
  });

  it('answers only after the bus has stored the events', async () => {
    let release!: () => void;
    h.bus.gate = new Promise((r) => (release = r));
    let answered = false;
    const pending = post('/v1/track', { userId: 'u', event: 'slow' }, { authorization: basic(KEY) }).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    h.bus.gate = undefined;
    release();
    expect((await pending).status).toBe(200);
    expect((await h.events()).map((e) => e.event)).toEqual(['slow']);
  });
});

describe('CORS', () => {
  it('answers preflights for the origins of any Source', async () => {
    const res = await fetch(`${h.url}/v1/t`, {
      method: 'OPTIONS',
      headers: { origin: 'https://admin.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
    expect(res.headers.get('access-control-allow-headers')).toContain('X-Retry-Count');
    const refused = await fetch(`${h.url}/v1/t`, { method: 'OPTIONS', headers: { origin: 'https://evil.test' } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('stores events only from the origins of the Source the key selects', async () => {
    const ok = await post('/v1/t', { userId: 'u', event: 'x', writeKey: KEY }, { origin: 'https://shop.example.com' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const other = await post('/v1/t', { userId: 'u', event: 'y', writeKey: KEY }, { origin: 'https://admin.example.com' });
    expect(await answer(other)).toMatchObject({ status: 403, body: { code: 'origin_not_allowed' } });
    expect((await h.events()).map((e) => e.event)).toEqual(['x']);
  });
});

describe('settings and pixel', () => {
  it('serves the browser SDK settings pointing at this host', async () => {
    const res = await fetch(`${h.url}/v1/projects/${KEY}/settings`, { headers: { origin: 'https://shop.example.com' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    const body = (await res.json()) as { integrations: Record<string, Record<string, unknown>> };
    expect(body.integrations['Segment.io']).toMatchObject({ apiKey: KEY, apiHost: `${new URL(h.url).host}/v1`, protocol: 'http' });
    expect((await fetch(`${h.url}/v1/projects/unknown/settings`)).status).toBe(404);
  });

  it('stores a pixel event and always answers the GIF', async () => {
    const data = Buffer.from(JSON.stringify({ writeKey: KEY, userId: 'u', event: 'Email Opened' })).toString('base64');
    const res = await fetch(`${h.url}/v1/pixel/track?data=${encodeURIComponent(data)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 3).toString()).toBe('GIF');
    expect((await h.events()).map((e) => [e.type, e.event])).toEqual([['track', 'Email Opened']]);
    for (const q of ['', '?data=garbage', `?data=${Buffer.from('{"userId":"u"}').toString('base64')}`]) {
      const r = await fetch(`${h.url}/v1/pixel/track${q}`);
      expect([r.status, r.headers.get('content-type')]).toEqual([200, 'image/gif']);
    }
    expect(await h.events()).toHaveLength(1);
  });
});

describe('counting', () => {
  it('keeps per-Source counts and request metrics by endpoint and code', async () => {
    const before = h.ingest.stats().backend!;
    await post('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'a' }, { type: 'track', event: 'b' }] }, { authorization: basic(BACKEND) });
    const after = h.ingest.stats().backend!;
    expect(after.received - before.received).toBe(2);
    expect(after.accepted - before.accepted).toBe(1);
    expect(after.rejected - before.rejected).toBe(1);
    expect(Date.parse(after.lastEventTime!)).toBeGreaterThan(Date.now() - 60_000);
    expect(await metricValue(h.metrics, 'sluice_ingest_requests_total', { source: 'backend', endpoint: 'batch', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(await metricValue(h.metrics, 'sluice_ingest_requests_total', { source: '(none)', endpoint: 'track', code: '401' })).toBeGreaterThanOrEqual(1);
  });

  it('stores a retried messageId once and counts it as a duplicate', async () => {
    const before = h.ingest.stats().web!;
    for (let i = 0; i < 2; i++) {
      expect((await post('/v1/track', { userId: 'u', event: 'retry', messageId: 'retried-1' }, { authorization: basic(KEY) })).status).toBe(200);
    }
    expect((await h.events()).map((e) => e.messageId)).toEqual(['retried-1']);
    const after = h.ingest.stats().web!;
    expect([after.accepted - before.accepted, after.duplicates - before.duplicates]).toEqual([2, 1]);
    expect(await metricValue(h.metrics, 'sluice_ingest_events_total', { source: 'web', outcome: 'accepted', reason: 'duplicate' })).toBe(1);
  });
});
