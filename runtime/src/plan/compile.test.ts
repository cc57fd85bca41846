import { describe, expect, it } from 'vitest';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import { canonicalJson, compilePlan, compilePlanCached, PlanCompileError, planCacheStats, planDigest, SCHEMA_LIMITS } from './index.ts';

const event = (properties: unknown): TrackingPlanSpec => ({
  events: [{ name: 'Product Viewed' }, { name: 'Cart Viewed' }, { name: 'Order Completed', properties: properties as Record<string, unknown> }],
});
const prefix = 'compiling TrackingPlan storefront: events[2] "Order Completed": properties: ';

function compileError(spec: TrackingPlanSpec): PlanCompileError {
  try {
    compilePlan('storefront', spec);
  } catch (err) {
    if (err instanceof PlanCompileError) return err;
    throw err;
  }
  throw new Error('expected the plan not to compile');
}

function nested(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: 'string' };
  for (let i = 0; i < depth; i++) schema = { type: 'object', properties: { a: schema } };
  return schema;
}

describe('compile errors name the plan, the spec location and the problem', () => {
  const cases: Array<[string, TrackingPlanSpec, string, { path: string; event?: string }]> = [
    ['unknown keyword', event({ type: 'object', properties: { revenue: { typ: 'number' } } }),
      `${prefix}#/properties/revenue: unknown keyword "typ" (not in JSON Schema draft-07)`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['keyword from another dialect', event({ type: 'object', properties: { coupon: { type: 'string', nullable: true } } }),
      `${prefix}#/properties/coupon: unknown keyword "nullable" (use type: [..., "null"])`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['invalid keyword value', event({ type: 'object', properties: { revenue: { type: 'numbr' } } }),
      `${prefix}#/properties/revenue/type: must be equal to one of the allowed values (array, boolean, integer, null, number, object, string) or must be array`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['required not a list', event({ type: 'object', required: 'order_id' }),
      `${prefix}#/required: must be array`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['unknown format', event({ properties: { phone: { type: 'string', format: 'phone' } } }),
      `${prefix}#/properties/phone: unknown format "phone" (known: date, time, date-time, iso-time, iso-date-time, duration, uri, uri-reference, uri-template, url, email, hostname, ipv4, ipv6, regex, uuid, json-pointer, json-pointer-uri-fragment, relative-json-pointer, byte, int32, int64, float, double, password, binary)`,
      { path: 'events[2].properties', event: 'Order Completed' }],
    ['remote $ref', event({ $ref: 'https://example.com/order.json' }),
      `${prefix}#/$ref: remote $ref "https://example.com/order.json" is not supported; put the definition under definitions and refer to it as #/definitions/...`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['unresolved local $ref', event({ properties: { p: { $ref: '#/definitions/product' } } }),
      `${prefix}#: $ref "#/definitions/product" does not resolve to anything in this schema`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['other draft', event({ $schema: 'https://json-schema.org/draft/2020-12/schema' }),
      `${prefix}#/$schema: $schema "https://json-schema.org/draft/2020-12/schema" is not supported; tracking plans use JSON Schema draft-07 (http://json-schema.org/draft-07/schema#)`,
      { path: 'events[2].properties', event: 'Order Completed' }],
    ['invalid pattern', event({ properties: { sku: { type: 'string', pattern: '([a-z]' } } }),
      `${prefix}#/properties/sku/pattern: invalid pattern "([a-z]": Invalid regular expression: /([a-z]/u: Unterminated group`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['pattern too long', event({ properties: { sku: { type: 'string', pattern: 'a'.repeat(SCHEMA_LIMITS.maxPatternLength + 1) } } }),
      `${prefix}#/properties/sku/pattern: pattern is 1001 characters; the limit is 1000`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['nested too deep', event(nested(40)),
      `${prefix}#${'/properties/a'.repeat(33)}: schema is nested deeper than 32 levels`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['schema too large', event({ description: 'x'.repeat(SCHEMA_LIMITS.maxBytes) }),
      `${prefix}#: schema is ${SCHEMA_LIMITS.maxBytes + 18} bytes; the limit is ${SCHEMA_LIMITS.maxBytes}`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['not a schema', event({ properties: { a: 'string' } }),
      `${prefix}#/properties/a: expected a schema (an object or a boolean), got string`, { path: 'events[2].properties', event: 'Order Completed' }],
    ['duplicate event name', { events: [{ name: 'A' }, { name: 'B' }, { name: 'A' }] },
      'compiling TrackingPlan storefront: events[2] "A": duplicate event name (also events[0])', { path: 'events[2].name', event: 'A' }],
    ['identify traits', { identify: { traits: { properties: { email: { format: 'e-mail' } } } } },
      'compiling TrackingPlan storefront: identify.traits: #/properties/email: unknown format "e-mail" (known: date, time, date-time, iso-time, iso-date-time, duration, uri, uri-reference, uri-template, url, email, hostname, ipv4, ipv6, regex, uuid, json-pointer, json-pointer-uri-fragment, relative-json-pointer, byte, int32, int64, float, double, password, binary)',
      { path: 'identify.traits' }],
    ['group traits', { group: { traits: { type: 'object', minProperties: -1 } } },
      'compiling TrackingPlan storefront: group.traits: #/minProperties: must be >= 0', { path: 'group.traits' }],
    ['common schema', { common: { jsonSchema: { properties: { context: { requird: ['ip'] } } } } },
      'compiling TrackingPlan storefront: common.jsonSchema: #/properties/context: unknown keyword "requird" (not in JSON Schema draft-07)', { path: 'common.jsonSchema' }],
    ['policy value', { onViolation: 'drop' } as unknown as TrackingPlanSpec,
      'compiling TrackingPlan storefront: onViolation: "drop" is not one of allow, omit, block', { path: 'onViolation' }],
  ];

  for (const [name, spec, message, where] of cases) {
    it(name, () => {
      const err = compileError(spec);
      expect(err.message).toBe(message);
      expect(err.path).toBe(where.path);
      expect(err.event).toBe(where.event);
      expect(err.name).toBe('PlanCompileError');
    });
  }

  it('keeps the underlying error as the cause', () => {
    const err = compileError(event({ properties: { p: { $ref: '#/definitions/product' } } }));
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('compilePlan', () => {
  it('compiles a plan with every part and reports what it holds', () => {
    const spec: TrackingPlanSpec = {
      common: { jsonSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', definitions: { id: { type: 'string' } }, properties: { userId: { $ref: '#/definitions/id' } } } },
      identify: { traits: { type: 'object' } },
      group: { traits: { type: 'object' } },
      events: [{ name: 'A', properties: { $id: 'https://example.com/order.json', type: 'object' } }, { name: 'B', properties: { $id: 'https://example.com/order.json', type: 'object' } }, { name: 'Page Viewed' }],
    };
    const plan = compilePlan('storefront', spec);
    expect(plan.name).toBe('storefront');
    expect(plan.eventCount).toBe(3);
    expect(plan.digest).toBe(planDigest(spec));
    expect(plan.check({ type: 'identify', messageId: 'm', userId: 5 as unknown as string, timestamp: 't', receivedAt: 't' }).violations.map((v) => v.field)).toEqual(['userId']);
  });

  it('accepts an empty plan', () => {
    expect(compilePlan('empty', {}).eventCount).toBe(0);
  });
});

describe('planDigest', () => {
  const a: TrackingPlanSpec = { onViolation: 'block', events: [{ name: 'A', properties: { type: 'object', required: ['x', 'y'] } }] };
  const reordered = JSON.parse('{"events":[{"properties":{"required":["x","y"],"type":"object"},"name":"A"}],"onViolation":"block"}') as TrackingPlanSpec;

  it('is the sha256 of the canonical JSON, independent of key order', () => {
    expect(planDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(planDigest(reordered)).toBe(planDigest(a));
  });

  it('changes with content, including array order', () => {
    expect(planDigest({ ...a, onViolation: 'omit' })).not.toBe(planDigest(a));
    expect(planDigest({ ...a, events: [{ name: 'A', properties: { type: 'object', required: ['y', 'x'] } }] })).not.toBe(planDigest(a));
  });

  it('writes canonical JSON with sorted keys and no undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }], u: undefined })).toBe('{"a":[{"c":"x","d":null}],"b":1}');
  });
});

describe('compilePlanCached', () => {
  it('compiles the same content once, whatever the key order or plan name', () => {
    const spec: TrackingPlanSpec = { unplannedEvents: 'block', events: [{ name: `Cached ${Math.random()}`, properties: { type: 'object', properties: { a: {} } } }] };
    const before = planCacheStats().compiles;
    const first = compilePlanCached('storefront', spec);
    const again = compilePlanCached('storefront', JSON.parse(JSON.stringify({ events: spec.events, unplannedEvents: 'block' })) as TrackingPlanSpec);
    const other = compilePlanCached('mirror', spec);
    expect(again).toBe(first);
    expect(other.name).toBe('mirror');
    expect(other.digest).toBe(first.digest);
    expect(planCacheStats().compiles).toBe(before + 1);
  });

  it('compiles again when the content changes, and keeps a bounded number of versions', () => {
    const before = planCacheStats().compiles;
    for (let i = 0; i < 40; i++) compilePlanCached('storefront', { events: [{ name: `Version ${i}` }] });
    expect(planCacheStats().compiles).toBe(before + 40);
    expect(planCacheStats().cached).toBeLessThanOrEqual(32);
  });

  it('does not cache failures', () => {
    const bad = event({ type: 'object', properties: { revenue: { typ: 'number' } } });
    expect(() => compilePlanCached('storefront', bad)).toThrow(PlanCompileError);
    expect(() => compilePlanCached('storefront', bad)).toThrow(PlanCompileError);
  });
});
