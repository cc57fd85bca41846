import { describe, expect, it } from 'vitest';
import type { DestinationRuntime, SourceRuntime } from '../../config.ts';
import { StatsTracker } from '../../delivery/stats.ts';
import { DeliveryError } from '../../delivery/types.ts';
import type { SegmentEvent } from '../../event.ts';
import { emptyStats } from '../../ingest/stats.ts';
import { compilePlan } from '../../plan/index.ts';
import { ViolationSampler } from '../violations.ts';
import { destinationBody, destinationHints, sourceBody, sourceHints } from './build.ts';
import { decodeSnapshot, encodeSnapshot } from './snapshot.ts';
import { destinationSnapshot, sourceSnapshot, T0 } from './testing.ts';

const EMAIL = 'jane.doe@example.com';
const SECRET = 'sk_live_9fQ2xT7mZ1pL8wR4';

describe('source snapshot body', () => {
  it('carries counts and violation summaries but no payload value, even from a payload full of personal data', () => {
    const plan = compilePlan('storefront', {
      unplannedProperties: 'allow',
      events: [
        {
          name: 'Order Completed',
          properties: {
            type: 'object',
            required: ['revenue', 'coupon'],
            properties: {
              revenue: { type: 'number' },
              email: { type: 'string', format: 'email' },
              token: { type: 'string', maxLength: 4 },
              plan: { enum: ['free', 'pro'] },
              phone: { type: 'string', pattern: '^[0-9]+$' },
              coupon: { type: 'string' },
            },
          },
        },
      ],
      identify: { traits: { type: 'object', properties: { email: { type: 'number' } } } },
    });
    const sampler = new ViolationSampler();
    const at = { timestamp: new Date(T0).toISOString(), receivedAt: new Date(T0).toISOString() };
    const events: SegmentEvent[] = [
      {
        ...at,
        type: 'track',
        messageId: 'm-1',
        event: 'Order Completed',
        properties: { revenue: EMAIL, email: `not an address ${SECRET}`, token: SECRET, plan: EMAIL, phone: '+14155550123', [EMAIL]: SECRET },
      },
      { ...at, type: 'identify', messageId: 'm-2', userId: 'u1', traits: { email: EMAIL } },
      { ...at, type: 'track', messageId: 'm-3', event: EMAIL, properties: { password: SECRET } },
    ];
    for (const e of events) {
      const d = plan.check(e);
      expect(d.violations.length).toBeGreaterThan(0);
      sampler.record('web', e.event ?? e.type, d.violations, e.messageId, T0);
    }
    const stats = { ...emptyStats(), received: 3, accepted: 3, lastEventTime: new Date(T0).toISOString() };
    const body = sourceBody('web', stats, sampler, { trackingPlan: 'storefront', silenceAfterMs: 900_000 }, T0);
    expect(body.violationCount).toBeGreaterThanOrEqual(7);
    expect(body.violations.map((v) => `${v.field}/${v.kind}`)).toEqual(expect.arrayContaining(['properties.revenue/type', 'properties.coupon/required', 'traits.email/type']));

    const json = encodeSnapshot(sourceSnapshot({ ...body, at: new Date(T0).toISOString() }));
    expect(json).not.toContain(EMAIL);
    expect(json).not.toContain(SECRET);
    expect(json).not.toContain('4155550123');
    const back = decodeSnapshot(json);
    expect(back.kind === 'source' && back.violations.find((v) => v.field === 'properties.revenue')).toMatchObject({
      event: 'Order Completed',
      message: 'properties.revenue: expected number, got string',
      count: 1,
      sampleMessageId: 'm-1',
    });
  });

  it('reads the plan and silenceAfter from the rendered Source', () => {
    const base = { name: 'web', writeKeys: ['k'], spec: { writeKeys: [{ secretRef: { name: 's' } }] } } satisfies SourceRuntime;
    expect(sourceHints({ ...base, spec: { ...base.spec, silenceAfter: '30m' }, plan: { name: 'storefront', spec: {} } })).toEqual({ trackingPlan: 'storefront', silenceAfterMs: 1_800_000 });
    expect(sourceHints(base)).toEqual({});
    expect(sourceHints({ ...base, spec: { ...base.spec, silenceAfter: 'soon' } })).toEqual({});
  });
});

describe('destination snapshot body', () => {
  it('copies the worker stats, with the last error scrubbed on the way out', () => {
    const t = new StatsTracker('meta-capi');
    t.delivered = 40;
    t.failed = 3;
    t.deadLettered = 1;
    t.lag = 12;
    t.filteredBy.consent = 2;
    t.recordLatency(80);
    t.lastDeliveryTime = T0 - 1000;
    t.recordError(new DeliveryError(`answered 400: unknown user ${EMAIL}, Authorization: Bearer ${SECRET}`, { kind: 'payload', status: 400 }), 'm-7', T0);
    const body = destinationBody(t.snapshot(), { credentialsSecret: 'meta-token' });
    expect(body).toMatchObject({
      state: 'running',
      counters: { delivered: 40, filtered: 2, filteredBy: { consent: 2, integrations: 0, filter: 0, mapping: 0 }, failed: 3, deadLettered: 1 },
      lag: 12,
      retrying: 0,
      p95LatencyMs: 80,
      lastDeliveryTime: new Date(T0 - 1000).toISOString(),
      lastError: { code: '400', messageId: 'm-7' },
      credentialsSecret: 'meta-token',
    });
    const json = encodeSnapshot(destinationSnapshot(body));
    expect(json).not.toContain(EMAIL);
    expect(json).not.toContain(SECRET);
    expect(decodeSnapshot(json)).toMatchObject({ lastError: { message: 'answered 400: unknown user [email], Authorization: Bearer [redacted]' } });
  });

  it('names the credentials Secret, never its content', () => {
    const d: DestinationRuntime = { name: 'meta-ads', spec: { sources: [{ name: 'web' }], type: 'meta-capi', credentials: { secretRef: { name: 'meta-token' } } }, credentials: { accessToken: SECRET } };
    expect(destinationHints(d)).toEqual({ credentialsSecret: 'meta-token' });
    expect(JSON.stringify(destinationHints(d))).not.toContain(SECRET);
    expect(destinationHints({ ...d, spec: { sources: [{ name: 'web' }], type: 'webhook' } })).toEqual({});
  });
});
