import { describe, expect, it } from 'vitest';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';
import type { SegmentEvent } from '../event.ts';
import { compilePlan, MAX_VIOLATIONS } from './index.ts';
import type { Violation } from './types.ts';

function ev(e: Partial<SegmentEvent>): SegmentEvent {
  return deepFreeze({ type: 'track', messageId: 'm-1', userId: 'u-1', timestamp: 't', receivedAt: 't', ...e });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const fields = (vs: Violation[]) => vs.map((v) => v.field);
const protocolsOf = (e: SegmentEvent) => (e.context as { protocols?: { violations?: Violation[]; omitted?: string[]; [k: string]: unknown } } | undefined)?.protocols;

describe('violations: kind, Segment type, field and description', () => {
  const plan = compilePlan('storefront', {
    events: [
      {
        name: 'Checked',
        properties: {
          type: 'object',
          required: ['order_id'],
          properties: {
            order_id: { type: 'string' },
            revenue: { type: 'number', minimum: 0 },
            quantity: { type: 'integer' },
            coupon: { type: ['string', 'null'] },
            currency: { enum: ['EUR', 'USD'] },
            channel: { const: 'web' },
            sku: { type: 'string', pattern: '^SKU-[0-9]+$' },
            name: { type: 'string', maxLength: 3 },
            tags: { type: 'array', minItems: 1, uniqueItems: true },
            email: { type: 'string', format: 'email' },
            at: { type: 'string', format: 'date-time' },
            url: { type: 'string', format: 'uri' },
            id: { type: 'string', format: 'uuid' },
            amount: { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^[0-9]+$' }] },
            one: { oneOf: [{ type: 'number' }, { type: 'integer' }] },
            notnull: { not: { type: 'null' } },
            meta: { type: 'object', propertyNames: { pattern: '^[a-z]+$' } },
            shipping: { type: 'object', additionalProperties: false, properties: { city: { type: 'string' } } },
            products: { type: 'array', items: { type: 'object', required: ['sku'], properties: { price: { type: 'number' } } } },
            card: { type: 'object', dependencies: { number: ['expiry'] } },
            kind: { type: 'string' },
            gift: { type: 'object' },
          },
          if: { properties: { kind: { const: 'gift' } }, required: ['kind'] },
          then: { required: ['gift'] },
        },
      },
    ],
  });

  const ok = (p: Record<string, unknown>) => ({ order_id: 'o-1', ...p });
  const cases: Array<[string, Record<string, unknown>, Violation]> = [
    ['missing required', {}, { kind: 'required', type: 'Required', field: 'properties.order_id', description: 'properties.order_id is required' }],
    ['wrong type', ok({ revenue: '10' }), { kind: 'type', type: 'Invalid Type', field: 'properties.revenue', description: 'properties.revenue: expected number, got string' }],
    ['integer expected', ok({ quantity: 1.5 }), { kind: 'type', type: 'Invalid Type', field: 'properties.quantity', description: 'properties.quantity: expected integer, got number' }],
    ['nullable type', ok({ coupon: 5 }), { kind: 'type', type: 'Invalid Type', field: 'properties.coupon', description: 'properties.coupon: expected string or null, got number' }],
    ['object given', ok({ revenue: { v: 1 } }), { kind: 'type', type: 'Invalid Type', field: 'properties.revenue', description: 'properties.revenue: expected number, got object' }],
    ['array given', ok({ revenue: [1] }), { kind: 'type', type: 'Invalid Type', field: 'properties.revenue', description: 'properties.revenue: expected number, got array' }],
    ['enum', ok({ currency: 'JPY' }), { kind: 'enum', type: 'Invalid Enum', field: 'properties.currency', description: 'properties.currency: expected one of "EUR", "USD"' }],
    ['const', ok({ channel: 'app' }), { kind: 'enum', type: 'Invalid Enum', field: 'properties.channel', description: 'properties.channel: expected "web"' }],
    ['pattern', ok({ sku: 'abc' }), { kind: 'pattern', type: 'Invalid Pattern', field: 'properties.sku', description: 'properties.sku: expected to match ^SKU-[0-9]+$' }],
    ['minimum', ok({ revenue: -1 }), { kind: 'range', type: 'Invalid Range', field: 'properties.revenue', description: 'properties.revenue: expected >= 0' }],
    ['maxLength', ok({ name: 'abcd' }), { kind: 'range', type: 'Invalid Range', field: 'properties.name', description: 'properties.name: expected at most 3 characters' }],
    ['minItems', ok({ tags: [] }), { kind: 'range', type: 'Invalid Range', field: 'properties.tags', description: 'properties.tags: expected at least 1 items' }],
    ['uniqueItems', ok({ tags: ['a', 'a'] }), { kind: 'schema', type: 'Invalid Value', field: 'properties.tags', description: 'properties.tags: expected unique items (items 0 and 1 are identical)' }],
    ['email format', ok({ email: 'not-an-email' }), { kind: 'format', type: 'Invalid Format', field: 'properties.email', description: 'properties.email: expected a valid email' }],
    ['date-time format', ok({ at: '2025-13-01' }), { kind: 'format', type: 'Invalid Format', field: 'properties.at', description: 'properties.at: expected a valid date-time' }],
    ['uri format', ok({ url: 'not a uri' }), { kind: 'format', type: 'Invalid Format', field: 'properties.url', description: 'properties.url: expected a valid uri' }],
    ['uuid format', ok({ id: '123' }), { kind: 'format', type: 'Invalid Format', field: 'properties.id', description: 'properties.id: expected a valid uuid' }],
    ['anyOf (branch errors folded)', ok({ amount: 'ten' }), { kind: 'schema', type: 'Invalid Value', field: 'properties.amount', description: 'properties.amount: does not match any of the allowed schemas' }],
    ['oneOf matching two', ok({ one: 3 }), { kind: 'schema', type: 'Invalid Value', field: 'properties.one', description: 'properties.one: matches more than one of the allowed schemas' }],
    ['not', ok({ notnull: null }), { kind: 'schema', type: 'Invalid Value', field: 'properties.notnull', description: 'properties.notnull: matches a schema it must not match' }],
    ['propertyNames', ok({ meta: { Bad: 1 } }), { kind: 'schema', type: 'Invalid Value', field: 'properties.meta.Bad', description: 'properties.meta: property name "Bad" is not allowed' }],
    ['additionalProperties false', ok({ shipping: { city: 'x', zip: '1' } }), { kind: 'unplanned-property', type: 'Unplanned Property', field: 'properties.shipping.zip', description: 'properties.shipping.zip is not allowed by the schema' }],
    ['nested in array', ok({ products: [{ sku: 's', price: 'x' }] }), { kind: 'type', type: 'Invalid Type', field: 'properties.products.0.price', description: 'properties.products.0.price: expected number, got string' }],
    ['nested required', ok({ products: [{ price: 1 }] }), { kind: 'required', type: 'Required', field: 'properties.products.0.sku', description: 'properties.products.0.sku is required' }],
    ['dependencies', ok({ card: { number: '4111' } }), { kind: 'required', type: 'Required', field: 'properties.card.expiry', description: 'properties.card.expiry is required when properties.card.number is present' }],
    ['if/then (only the then error)', ok({ kind: 'gift' }), { kind: 'required', type: 'Required', field: 'properties.gift', description: 'properties.gift is required' }],
  ];

  for (const [name, properties, want] of cases) {
    it(name, () => {
      expect(plan.check(ev({ event: 'Checked', properties })).violations).toEqual([want]);
    });
  }

  it('accepts values that satisfy every rule', () => {
    const d = plan.check(ev({
      event: 'Checked',
      properties: {
        order_id: 'o', revenue: 0, quantity: 2, coupon: null, currency: 'EUR', channel: 'web', sku: 'SKU-1', name: 'abc', tags: ['a'],
        email: 'a@example.com', at: '2025-01-01T00:00:00Z', url: 'https://example.com/x', id: '123e4567-e89b-12d3-a456-426614174000',
        amount: '10', one: 1.5, notnull: 1, meta: { ok: 1 }, shipping: { city: 'x' }, products: [{ sku: 's', price: 1 }], card: { number: '1', expiry: '1' },
        kind: 'gift', gift: {},
      },
    }));
    expect(d.violations).toEqual([]);
  });

  it('reports a missing properties object as missing required properties', () => {
    const d = plan.check(ev({ event: 'Checked' }));
    expect(fields(d.violations)).toEqual(['properties.order_id']);
  });
});

describe('omit', () => {
  const plan = compilePlan('storefront', {
    onViolation: 'omit',
    events: [{
      name: 'Order Completed',
      properties: {
        type: 'object',
        required: ['order_id', 'revenue'],
        properties: { order_id: { type: 'string' }, revenue: { type: 'number' }, products: { type: 'array', items: { type: 'object', properties: { price: { type: 'number' } } } } },
      },
    }],
  });

  // Segment's "Omit" removes the offending property; a property that is missing cannot be
  // removed, so the event is allowed and carries the Required violation.
  it('keeps a missing required property as a violation on the allowed event', () => {
    const input = ev({ event: 'Order Completed', properties: { order_id: 'o-1' } });
    const d = plan.check(input);
    expect(d.action).toBe('allow');
    expect(d.omitted).toEqual([]);
    expect(d.violations).toEqual([{ kind: 'required', type: 'Required', field: 'properties.revenue', description: 'properties.revenue is required' }]);
    expect(protocolsOf(d.event)).toEqual({ violations: d.violations });
    expect(d.event.properties).toEqual({ order_id: 'o-1' });
  });

  it('removes the top-level property that holds a nested error', () => {
    const d = plan.check(ev({ event: 'Order Completed', properties: { order_id: 'o-1', revenue: 1, products: [{ price: 'free' }] } }));
    expect(d.omitted).toEqual(['properties.products']);
    expect(d.event.properties).toEqual({ order_id: 'o-1', revenue: 1 });
    expect(fields(d.violations)).toEqual(['properties.products.0.price']);
  });

  it('removes an invalid required property and lists only the violation found on arrival', () => {
    const d = plan.check(ev({ event: 'Order Completed', properties: { order_id: 'o-1', revenue: '1' } }));
    expect(d.omitted).toEqual(['properties.revenue']);
    expect(d.violations.map((v) => v.kind)).toEqual(['type']);
  });

  it('copies a "__proto__" key as data, not as a prototype', () => {
    const properties = JSON.parse('{"order_id":"o-1","revenue":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const d = plan.check(ev({ event: 'Order Completed', properties }));
    expect(d.omitted).toContain('properties.revenue');
    expect(Object.getPrototypeOf(d.event.properties)).toBe(Object.prototype);
    expect(JSON.stringify(d.event.properties)).toBe('{"order_id":"o-1","__proto__":{"polluted":true}}');
  });

  it('does not touch the input event and copies only what changes', () => {
    const context = { ip: '203.0.113.7', library: { name: 'analytics.js' } };
    const input = ev({ event: 'Order Completed', properties: { order_id: 'o-1', revenue: 'x' }, context, integrations: { All: true } });
    const before = structuredClone(input);
    const d = plan.check(input);
    expect(input).toEqual(before);
    expect(d.event).not.toBe(input);
    expect(d.event.integrations).toBe(input.integrations);
    expect((d.event.context as typeof context).library).toBe(context.library);
  });
});

describe('stamping context.protocols', () => {
  const plan = compilePlan('storefront', { events: [{ name: 'Signed Up', properties: { type: 'object', properties: { plan: { type: 'string' } } } }] });

  it('keeps what the client put in context and context.protocols', () => {
    const d = plan.check(ev({ event: 'Signed Up', properties: { plan: 1 }, context: { ip: '1.2.3.4', protocols: { event_version: 2 } } }));
    expect(d.event.context).toEqual({
      ip: '1.2.3.4',
      protocols: { event_version: 2, violations: [{ kind: 'type', type: 'Invalid Type', field: 'properties.plan', description: 'properties.plan: expected string, got number' }] },
    });
  });

  it('creates context when the event has none', () => {
    const d = plan.check(ev({ event: 'Signed Up', properties: { plan: 1 } }));
    expect(protocolsOf(d.event)?.violations).toHaveLength(1);
  });

  it(`lists at most ${MAX_VIOLATIONS} violations and says how many more there were`, () => {
    const many = compilePlan('storefront', {
      events: [{ name: 'Many', properties: { type: 'object', properties: { list: { type: 'array', items: { type: 'string' } } } } }],
    });
    const d = many.check(ev({ event: 'Many', properties: { list: Array.from({ length: 80 }, (_, i) => i) } }));
    expect(d.violations).toHaveLength(MAX_VIOLATIONS + 1);
    expect(d.violations.at(-1)).toEqual({ kind: 'schema', type: 'Invalid Value', field: '(root)', description: '30 more violations not listed' });
  });
});

describe('page and screen', () => {
  const schema = { type: 'object', required: ['path'], properties: { path: { type: 'string' } } };
  const page = ev({ type: 'page', name: 'Home', properties: { title: 'x' } });
  const screen = ev({ type: 'screen', name: 'Home', properties: { title: 'x' } });

  it('passes page and screen untouched when Page Viewed / Screen Viewed are not planned, even when unplanned events are blocked', () => {
    const plan = compilePlan('storefront', { unplannedEvents: 'block', unplannedProperties: 'block', events: [{ name: 'Order Completed' }] });
    expect(plan.check(page)).toEqual({ action: 'allow', event: page, violations: [], omitted: [], label: 'page' });
    expect(plan.check(screen)).toEqual({ action: 'allow', event: screen, violations: [], omitted: [], label: 'screen' });
  });

  it('checks page calls as "Page Viewed"', () => {
    const plan = compilePlan('storefront', { unplannedProperties: 'omit', events: [{ name: 'Page Viewed', properties: schema }] });
    const d = plan.check(page);
    expect(d.label).toBe('Page Viewed');
    expect(fields(d.violations)).toEqual(['properties.title', 'properties.path']);
    expect(d.omitted).toEqual(['properties.title']);
    expect(plan.check(screen).violations).toEqual([]);
  });

  it('checks screen calls as "Screen Viewed"', () => {
    const plan = compilePlan('storefront', { onViolation: 'block', events: [{ name: 'Screen Viewed', properties: schema }] });
    const d = plan.check(screen);
    expect(d.action).toBe('block');
    expect(d.label).toBe('Screen Viewed');
    expect(plan.check(page).action).toBe('allow');
  });
});

describe('identify and group traits', () => {
  const spec: TrackingPlanSpec = {
    unplannedProperties: 'omit',
    identify: { traits: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' }, name: { type: 'string' } } } },
    group: { traits: { type: 'object', properties: { industry: { enum: ['retail', 'media'] } } } },
  };
  const plan = compilePlan('storefront', spec);

  it('checks identify traits and omits unplanned ones', () => {
    const d = plan.check(ev({ type: 'identify', traits: { email: 'nope', first_name: 'Roger' } }));
    expect(d.violations.map((v) => `${v.kind} ${v.field}`)).toEqual(['unplanned-property traits.first_name', 'format traits.email']);
    expect(d.omitted).toEqual(['traits.first_name']);
    expect(d.event.traits).toEqual({ email: 'nope' });
    expect(d.label).toBe('identify');
  });

  it('checks group traits against group.traits, not identify.traits', () => {
    const d = plan.check(ev({ type: 'group', groupId: 'g', traits: { industry: 'mining', email: 'a@example.com' } }));
    expect(d.violations.map((v) => `${v.kind} ${v.field}`)).toEqual(['unplanned-property traits.email', 'enum traits.industry']);
    expect(d.label).toBe('group');
  });

  it('leaves identify alone when the plan has no identify schema', () => {
    const open = compilePlan('storefront', { unplannedProperties: 'block', group: spec.group! });
    const input = ev({ type: 'identify', traits: { anything: true } });
    expect(open.check(input).event).toBe(input);
  });

  it('checks alias against the common schema only', () => {
    const withCommon = compilePlan('storefront', { ...spec, unplannedEvents: 'block', common: { jsonSchema: { required: ['previousId'] } } });
    expect(withCommon.check(ev({ type: 'alias', previousId: 'a' })).violations).toEqual([]);
    expect(fields(withCommon.check(ev({ type: 'alias' })).violations)).toEqual(['previousId']);
  });
});

describe('unplanned properties', () => {
  it('takes patternProperties as declared', () => {
    const plan = compilePlan('storefront', {
      unplannedProperties: 'block',
      events: [{ name: 'E', properties: { type: 'object', properties: { a: {} }, patternProperties: { '^x_': {} } } }],
    });
    expect(plan.check(ev({ event: 'E', properties: { a: 1, x_b: 2 } })).action).toBe('allow');
    expect(plan.check(ev({ event: 'E', properties: { a: 1, y: 2 } })).action).toBe('block');
  });

  it('does not apply when the schema declares no properties or allows additional ones', () => {
    const plan = compilePlan('storefront', {
      unplannedProperties: 'block',
      events: [
        { name: 'No schema' },
        { name: 'Open', properties: { type: 'object' } },
        { name: 'Extra allowed', properties: { type: 'object', properties: { a: {} }, additionalProperties: { type: 'string' } } },
      ],
    });
    expect(plan.check(ev({ event: 'No schema', properties: { z: 1 } })).violations).toEqual([]);
    expect(plan.check(ev({ event: 'Open', properties: { z: 1 } })).violations).toEqual([]);
    expect(plan.check(ev({ event: 'Extra allowed', properties: { z: 's' } })).violations).toEqual([]);
  });

  it('lists a property once when both the control and additionalProperties: false reject it; the stricter policy decides', () => {
    const schema = { type: 'object', additionalProperties: false, properties: { a: {} } };
    const allowProps = compilePlan('storefront', { unplannedProperties: 'allow', onViolation: 'block', events: [{ name: 'E', properties: schema }] });
    const d = allowProps.check(ev({ event: 'E', properties: { a: 1, b: 2 } }));
    expect(d.action).toBe('block');
    expect(d.violations).toEqual([{ kind: 'unplanned-property', type: 'Unplanned Property', field: 'properties.b', description: 'properties.b is not in the tracking plan' }]);

    const omitOnViolation = compilePlan('storefront', { unplannedProperties: 'allow', onViolation: 'omit', events: [{ name: 'E', properties: schema }] });
    const o = omitOnViolation.check(ev({ event: 'E', properties: { a: 1, b: 2 } }));
    expect(o.omitted).toEqual(['properties.b']);
    expect(o.violations).toHaveLength(1);
  });
});

describe('common schema', () => {
  const common = {
    type: 'object',
    required: ['userId'],
    properties: {
      userId: { type: 'string', minLength: 3 },
      context: { type: 'object', properties: { ip: { type: 'string', format: 'ipv4' }, locale: { type: 'string' } } },
      properties: { type: 'object', properties: { coupon: { type: 'string' } } },
    },
  };
  const events = [{ name: 'Order Completed', properties: { type: 'object', properties: { order_id: { type: 'string' }, coupon: {} } } }];

  it('runs after the standard controls, on the event they produced', () => {
    const plan = compilePlan('storefront', { unplannedProperties: 'omit', onViolation: 'omit', common: { jsonSchema: { ...common, properties: { ...common.properties, properties: { type: 'object', properties: { extra: false } } } } }, events });
    // "extra" is omitted by the unplanned-property control before the common schema,
    // which forbids it, sees the event.
    const d = plan.check(ev({ event: 'Order Completed', properties: { order_id: 1, extra: 1 } }));
    expect(d.violations.map((v) => `${v.kind} ${v.field}`)).toEqual(['unplanned-property properties.extra', 'type properties.order_id']);
    expect(d.omitted).toEqual(['properties.extra', 'properties.order_id']);
  });

  it('applies to every call type, unplanned events and unplanned pages included', () => {
    const plan = compilePlan('storefront', { common: { jsonSchema: common }, events });
    for (const e of [ev({ event: 'Other' }), ev({ type: 'page', name: 'Home' }), ev({ type: 'identify' }), ev({ type: 'alias', previousId: 'p' })]) {
      const d = plan.check({ ...e, userId: 'u' });
      expect(d.violations.filter((v) => v.field === 'userId').map((v) => v.kind)).toEqual(['range']);
    }
  });

  it('follows onViolation: omit removes context.ip but never a top-level field', () => {
    const plan = compilePlan('storefront', { onViolation: 'omit', common: { jsonSchema: common }, events });
    const d = plan.check(ev({ event: 'Order Completed', userId: 'u', context: { ip: 'nope', locale: 'en' } }));
    expect(d.action).toBe('allow');
    expect(d.violations.map((v) => `${v.kind} ${v.field}`)).toEqual(['range userId', 'format context.ip']);
    expect(d.omitted).toEqual(['context.ip']);
    expect(d.event.userId).toBe('u');
    expect(d.event.context).toEqual({ locale: 'en', protocols: { violations: d.violations, omitted: ['context.ip'] } });
  });

  it('follows onViolation: block, with the violations of both stages', () => {
    const plan = compilePlan('storefront', { onViolation: 'block', unplannedProperties: 'allow', common: { jsonSchema: common }, events });
    const input = ev({ event: 'Order Completed', userId: 'u', properties: { order_id: 1, more: true }, context: { ip: 'nope' } });
    const d = plan.check(input);
    expect(d.action).toBe('block');
    expect(d.event).toBe(input);
    expect(fields(d.violations)).toEqual(['properties.more', 'properties.order_id', 'userId', 'context.ip']);
  });

  it('treats every track call as unplanned when the plan lists no events, as Segment does', () => {
    const plan = compilePlan('storefront', { common: { jsonSchema: common } });
    expect(plan.check(ev({ event: 'Anything', userId: 'user-1' })).violations.map((v) => v.kind)).toEqual(['unplanned-event']);
  });

  it('names the event itself "(root)"', () => {
    const plan = compilePlan('storefront', { common: { jsonSchema: { not: { required: ['forbidden'] } } } });
    expect(fields(plan.check(ev({ type: 'identify', forbidden: 1 })).violations)).toEqual(['(root)']);
  });

  it('also collects every violation of an unplanned event that is blocked', () => {
    const plan = compilePlan('storefront', { unplannedEvents: 'block', common: { jsonSchema: common }, events });
    const d = plan.check(ev({ event: 'Other', userId: 'u' }));
    expect(d.action).toBe('block');
    expect(d.violations.map((v) => v.kind)).toEqual(['unplanned-event', 'range']);
  });
});
