import { describe, expect, it } from 'vitest';
import { useFakeApi } from '../../contract/hooks.suite.ts';
import { basicCredentials, errorOf, type SeenRequest, send, withDestination } from '../../contract/index.ts';
import type { DestinationClient, OutboundEvent } from '../../types.ts';
import { mixpanel, type MixpanelSettings } from './index.ts';

/**
 * Mixpanel's Import API as documented: POST /import?strict=1 with a JSON array, Basic
 * credentials (service account with project_id, or the project token), 2,000 events per
 * request, and per-event failures in a 400's failed_records.
 */
const api = useFakeApi((req) => ({ status: 200, body: JSON.stringify({ code: 200, num_records_imported: eventsOf(req).length, status: 'OK' }) }));

type MpEvent = { event: string; properties: { time: number; distinct_id: string; $insert_id: string } & Record<string, unknown> };
const eventsOf = (req: SeenRequest) => req.json as MpEvent[];
const event = (id: string, props: Record<string, unknown> = {}): OutboundEvent => ({
  messageId: id,
  event: { type: 'track', event: 'Signed Up', messageId: id, userId: 'user-1', timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:00.000Z' },
  payload: { event: 'Signed Up', properties: { time: 1714557600000, distinct_id: 'user-1', $insert_id: id, plan: 'pro', ...props } },
});

function withClient(settings: Partial<MixpanelSettings>, credentials: Record<string, string>, fn: (c: DestinationClient) => Promise<void>) {
  return withDestination(mixpanel, { name: 'mp', settings: { endpoint: api.base, ...settings }, credentials, timeoutMs: 2000 }, fn);
}
const TOKEN = { projectToken: 'mp-project-token-1' };

describe('mixpanel destination against a local Import API', () => {
  it('posts a JSON array to /import?strict=1 with the project token as Basic user', async () => {
    await withClient({}, TOKEN, async (c) => {
      expect(await send(c, [event('a'), event('b')])).toEqual([{ ok: true }, { ok: true }]);
    });
    const [req] = api.seen;
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/import?strict=1');
    expect(basicCredentials(req!.headers)).toEqual(['mp-project-token-1', '']);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(eventsOf(req!)).toEqual([
      { event: 'Signed Up', properties: { time: 1714557600000, distinct_id: 'user-1', $insert_id: 'a', plan: 'pro' } },
      { event: 'Signed Up', properties: { time: 1714557600000, distinct_id: 'user-1', $insert_id: 'b', plan: 'pro' } },
    ]);
  });

  it('authenticates a service account with the project id in the query', async () => {
    await withClient({ projectId: '1234' }, { serviceAccountUsername: 'sa.sluice', serviceAccountSecret: 'sa-secret-1' }, async (c) => {
      await send(c, [event('a')]);
    });
    expect(api.seen[0]!.url).toBe('/import?strict=1&project_id=1234');
    expect(basicCredentials(api.seen[0]!.headers)).toEqual(['sa.sluice', 'sa-secret-1']);
  });

  it('splits 4,500 events into requests of at most 2,000, each event once', async () => {
    const batch = Array.from({ length: 4500 }, (_, i) => event(`e${i}`));
    await withClient({}, TOKEN, async (c) => {
      expect((await send(c, batch)).every((r) => r.ok)).toBe(true);
    });
    expect(api.seen.map((r) => eventsOf(r).length).sort((a, b) => b - a)).toEqual([2000, 2000, 500]);
    expect(new Set(api.seen.flatMap((r) => eventsOf(r).map((e) => e.properties.$insert_id))).size).toBe(4500);
  });

  it('dead-letters only the records a 400 lists; the others were imported', async () => {
    api.answer = (req) => {
      const events = eventsOf(req);
      const failed = events.flatMap((e, index) => (e.properties.time < 31_536_000 ? [{ index, $insert_id: e.properties.$insert_id, field: 'properties.time', message: "'properties.time' is invalid: must be specified as seconds since epoch" }] : []));
      return { status: 400, body: JSON.stringify({ code: 400, error: 'some data points in the request failed validation', status: 'Bad Request', num_records_imported: events.length - failed.length, failed_records: failed }) };
    };
    await withClient({}, TOKEN, async (c) => {
      const results = await send(c, [event('a'), event('old', { time: 5 }), event('c')]);
      expect(results.map((r) => errorOf(r)?.kind ?? 'ok')).toEqual(['ok', 'payload', 'ok']);
      expect(errorOf(results[1])!.message).toContain('event rejected: properties.time');
    });
    expect(api.seen).toHaveLength(1);
  });

  it.each([
    [401, { code: 401, error: 'Invalid credentials', status: 'Unauthorized' }, 'auth'],
    [403, { code: 403, error: 'forbidden', status: 'Forbidden' }, 'auth'],
    [413, { code: 413, error: 'request exceeds the size limit', status: 'Payload Too Large' }, 'payload'],
    [429, { code: 429, error: 'Project exceeded rate limits. Please retry the request with exponential backoff.', status: 'Too Many Requests' }, 'retryable'],
    [500, { code: 500 }, 'retryable'],
    [502, { code: 502 }, 'retryable'],
    [503, { code: 503 }, 'retryable'],
  ])('classifies %i as %s for the whole request', async (status, body, kind) => {
    api.answer = () => ({ status, body: JSON.stringify(body) });
    await withClient({}, TOKEN, async (c) => {
      const results = await send(c, [event('a'), event('b')]);
      expect(results.map((r) => errorOf(r)?.kind)).toEqual([kind, kind]);
      expect(errorOf(results[0])!.message).not.toContain('mp-project-token-1');
    });
  });
});
