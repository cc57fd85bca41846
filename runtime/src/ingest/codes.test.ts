import { describe, expect, it } from 'vitest';
import { EVENT_CODES, IngestError, REQUEST_CODES } from './codes.ts';

describe('code catalogue', () => {
  it('gives every request code an error status and a meaning', () => {
    for (const [code, { status, meaning }] of Object.entries(REQUEST_CODES)) {
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(meaning.length, code).toBeGreaterThan(10);
    }
    for (const [code, meaning] of Object.entries(EVENT_CODES)) expect(meaning.length, code).toBeGreaterThan(10);
  });

  it("keeps Segment's reason codes", () => {
    for (const code of ['no_user_anon_id', 'event_not_defined', 'event_not_string', 'properties_not_object', 'traits_not_object', 'id_not_string']) {
      expect(Object.keys(EVENT_CODES)).toContain(code);
    }
    expect(Object.keys(REQUEST_CODES)).toContain('empty_batch');
  });

  it('carries the status, the retry hint and the cause', () => {
    const cause = new Error('disk');
    const err = new IngestError('bus_unavailable', 'storing: disk', { cause, retryAfter: 1 });
    expect([err.status, err.retryAfter, err.cause, err.code]).toEqual([503, 1, cause, 'bus_unavailable']);
    expect(new IngestError('rate_limited', 'x').status).toBe(429);
  });
});
