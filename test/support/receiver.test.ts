import { describe, expect, it } from 'vitest';
import { useHarness } from './harness.ts';
import { request } from './http.ts';
import { extractEvents } from './receiver.ts';
import { sleep } from './wait.ts';

const h = useHarness({ scope: 'each' });

const post = (url: string, body: unknown) => request(url, { method: 'POST', body: JSON.stringify(body) });

describe('webhook receiver', () => {
  it('counts deliveries by messageId and duplicates, only for 2xx answers', async () => {
    const r = await h.receiver({ behaviour: { kind: 'fail', status: 503, forRequests: 1 } });
    expect((await post(r.url, [{ messageId: 'a' }, { messageId: 'b' }])).status).toBe(503);
    expect(r.deliveredCount).toBe(0);
    expect((await post(r.url, { batch: [{ messageId: 'a' }, { messageId: 'b' }] })).status).toBe(200);
    expect((await post(r.url, { messageId: 'a', type: 'track' })).status).toBe(200);
    expect(r.deliveredCount).toBe(2);
    expect(r.duplicates).toBe(1);
    expect(r.attempts('a')).toBe(3);
    expect(r.requests.map((q) => q.status)).toEqual([503, 200, 200]);
    expect(r.requests[0]?.headers['content-type']).toBe('application/json');
  });

  it('fails for a time window, then recovers', async () => {
    const r = await h.receiver();
    // The window starts when the behaviour is set, so a slow start cannot eat into it.
    r.setBehaviour({ kind: 'fail', status: 400, body: '{"error":"bad pixel"}', forMs: 500 });
    const first = await post(r.url, [{ messageId: 'x' }]);
    expect(first.status).toBe(400);
    expect(first.text).toBe('{"error":"bad pixel"}');
    await sleep(550);
    expect((await post(r.url, [{ messageId: 'x' }])).status).toBe(200);
  });

  it('holds requests until the behaviour changes, then answers them', async () => {
    const r = await h.receiver({ behaviour: { kind: 'hold' } });
    const pending = post(r.url, [{ messageId: 'held' }]);
    await sleep(100);
    expect(r.deliveredCount).toBe(0);
    r.setBehaviour({ kind: 'ok' });
    expect((await pending).status).toBe(200);
    await r.waitForDelivered(['held'], 1000);
  });

  it('answers slowly when told', async () => {
    const r = await h.receiver({ behaviour: { kind: 'slow', delayMs: 150 } });
    const t0 = Date.now();
    expect((await post(r.url, [{ messageId: 's' }])).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('reads the event shapes a webhook may send', () => {
    expect(extractEvents([{ messageId: 'a' }, 3])).toEqual([{ messageId: 'a' }]);
    expect(extractEvents({ batch: [{ messageId: 'b' }] })).toEqual([{ messageId: 'b' }]);
    expect(extractEvents({ messageId: 'c' })).toEqual([{ messageId: 'c' }]);
    expect(extractEvents('text')).toEqual([]);
  });
});
