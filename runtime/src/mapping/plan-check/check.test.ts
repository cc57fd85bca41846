import { describe, expect, it } from 'vitest';
import type { TrackingPlanSpec } from '../../../../operator/src/api/index.ts';
import { checkMappingAgainstPlan, type MappingSpec } from './check.ts';

const storefront: TrackingPlanSpec = {
  unplannedProperties: 'allow',
  events: [
    { name: 'Product Viewed', properties: { type: 'object', properties: { product_id: { type: 'string' }, price: { type: 'number' } } } },
    { name: 'Checkout Started', properties: { type: 'object', properties: { cart_id: { type: 'string' }, value: { type: 'number' } } } },
    {
      name: 'Order Completed',
      properties: { type: 'object', properties: { order_id: { type: 'string' }, revenue: { type: 'number' }, currency: { type: 'string', enum: ['USD', 'EUR'] } } },
    },
    { name: 'Page Viewed', properties: { type: 'object', properties: { path: { type: 'string' } } } },
    { name: 'Free Form' },
  ],
};
const plan = { name: 'storefront', spec: storefront };
const messages = (spec: MappingSpec, p = plan) => checkMappingAgainstPlan(spec, p).map((w) => `${w.field}: ${w.message}`);

describe('checkMappingAgainstPlan', () => {
  it('warns about a property the events the filter narrows to do not define', () => {
    const warnings = checkMappingAgainstPlan(
      { filter: 'type == "track" && event in ["Order Completed", "Checkout Started"]', mapping: { 'custom_data.value': 'properties.revenue' } },
      plan,
    );
    expect(warnings).toEqual([
      {
        field: 'mapping["custom_data.value"]',
        expression: 'properties.revenue',
        position: { offset: 0, line: 1, column: 1 },
        kind: 'undefined-property',
        plan: 'storefront',
        event: 'Checkout Started',
        message: 'properties.revenue is not defined for event "Checkout Started" in TrackingPlan storefront',
      },
    ]);
  });

  it('follows narrowing inside expressions: ternaries, && and ||', () => {
    expect(
      messages({
        filter: 'event in ["Order Completed", "Checkout Started"]',
        mapping: {
          value: 'event == "Order Completed" ? properties.revenue : properties.value',
          wrong: 'event == "Order Completed" ? properties.value : properties.revenue',
          big: 'event == "Checkout Started" && properties.value > 100',
          either: 'event == "Order Completed" || properties.value > 1',
        },
      }),
    ).toEqual([
      'mapping["wrong"]: properties.value is not defined for event "Order Completed" in TrackingPlan storefront',
      'mapping["wrong"]: properties.revenue is not defined for event "Checkout Started" in TrackingPlan storefront',
    ]);
  });

  it('without narrowing, warns only about properties no planned event defines', () => {
    expect(messages({ mapping: { a: 'properties.revenue', b: 'properties.revenu', c: 'has(properties.coupon) ? properties.coupon : ""' } })).toEqual([]);
    const strict = { name: 'strict', spec: { events: storefront.events!.filter((e) => e.name !== 'Free Form') } };
    expect(messages({ mapping: { b: 'properties.revenu', c: 'properties.?coupon.orValue("")' } }, strict)).toEqual([
      'mapping["b"]: properties.revenu is not defined for any event in TrackingPlan strict',
      'mapping["c"]: properties.coupon is not defined for any event in TrackingPlan strict',
    ]);
  });

  it('checks the filter itself, and nested paths', () => {
    expect(messages({ filter: 'event == "Order Completed" && properties.revnue > 10 && properties.revenue.cents > 1' })).toEqual([
      'filter: properties.revnue is not defined for event "Order Completed" in TrackingPlan storefront',
      'filter: properties.revenue.cents is not defined for event "Order Completed" in TrackingPlan storefront',
    ]);
  });

  it('warns about comparisons with a literal the schema rules out', () => {
    expect(
      messages({
        filter: 'event == "Order Completed" && properties.revenue == "10" && properties.currency in ["USD", "usd"] && properties.order_id > 5',
        mapping: { eur: 'event == "Order Completed" && properties.currency == "eur"', ok: 'properties.revenue > 10 && properties.currency == "EUR"' },
      }),
    ).toEqual([
      'filter: properties.revenue is compared with the string "10", but TrackingPlan storefront allows number for event "Order Completed"',
      'filter: properties.order_id is compared with the number 5, but TrackingPlan storefront allows string for event "Order Completed"',
      'mapping["eur"]: properties.currency is compared with the string "eur", but TrackingPlan storefront allows one of "USD", "EUR" for event "Order Completed"',
    ]);
  });

  it('names events the plan does not have', () => {
    expect(messages({ filter: 'event in ["Order Completed", "Order Complete"]' })).toEqual(['filter: event "Order Complete" is not in TrackingPlan storefront']);
    expect(messages({ filter: 'event == "Signed Up"' }, { name: 'storefront', spec: { ...storefront, unplannedEvents: 'block' } })).toEqual([
      'filter: event "Signed Up" is not in TrackingPlan storefront; the plan blocks unplanned events, so none arrive',
    ]);
  });

  it('plans page events as Page Viewed', () => {
    expect(messages({ filter: 'type == "page"', mapping: { path: 'properties.path', url: 'properties.url' } })).toEqual([
      'mapping["url"]: properties.url is not defined for event "Page Viewed" in TrackingPlan storefront',
    ]);
  });

  it('leaves alone what it cannot know: identify traits, free-form schemas, expressions that do not compile', () => {
    expect(messages({ filter: 'type == "identify"', mapping: { x: 'properties.anything' } })).toEqual([]);
    expect(messages({ filter: 'event == "Free Form"', mapping: { x: 'properties.anything' } })).toEqual([]);
    expect(messages({ filter: 'event ==', mapping: { x: 'properties.' } })).toEqual([]);
  });

  it('says when the plan omits unplanned properties', () => {
    const omitting = { name: 'storefront', spec: { ...storefront, unplannedProperties: 'omit' as const } };
    expect(messages({ filter: 'event == "Order Completed"', mapping: { c: 'properties.coupon' } }, omitting)).toEqual([
      'mapping["c"]: properties.coupon is not defined for event "Order Completed" in TrackingPlan storefront; the plan omits unplanned properties before delivery',
    ]);
  });

  it('points at the property in the expression', () => {
    const [w] = checkMappingAgainstPlan({ filter: 'event == "Order Completed" &&\n  properties.revnue > 1' }, plan);
    expect(w?.position).toEqual({ offset: 32, line: 2, column: 3 });
  });

  it('checks traits against the identify and group traits of the plan', () => {
    const traits = {
      name: 'traits',
      spec: {
        ...storefront,
        identify: { traits: { type: 'object', properties: { email: { type: 'string' }, plan: { type: 'string', enum: ['free', 'pro'] } } } },
        group: { traits: { type: 'object', properties: { name: { type: 'string' }, employees: { type: 'integer' } } } },
      },
    };
    expect(
      messages(
        {
          filter: 'type == "identify" && traits.plan == "enterprise"',
          mapping: { em: 'traits.email', ph: 'traits.phone', nested: 'message.traits.email.domain' },
        },
        traits,
      ),
    ).toEqual([
      'filter: traits.plan is compared with the string "enterprise", but TrackingPlan traits allows one of "free", "pro" for identify calls',
      'mapping["ph"]: traits.phone is not defined for identify calls in TrackingPlan traits',
      'mapping["nested"]: message.traits.email.domain is not defined for identify calls in TrackingPlan traits',
    ]);
    expect(messages({ mapping: { a: 'traits.email', b: 'traits.phone', c: 'traits.employees > 10' } }, traits)).toEqual([
      'mapping["b"]: traits.phone is not defined for identify calls or group calls in TrackingPlan traits',
    ]);
    expect(messages({ filter: 'type in ["identify", "group"]', mapping: { n: 'traits.name' } }, traits)).toEqual([
      'mapping["n"]: traits.name is not defined for identify calls in TrackingPlan traits',
    ]);
  });

  it('leaves traits alone where the plan has no traits schema for the calls in scope', () => {
    const identifyOnly = { name: 'p', spec: { identify: { traits: { type: 'object', properties: { email: { type: 'string' } } } } } };
    expect(messages({ mapping: { x: 'traits.anything' } }, identifyOnly)).toEqual([]);
    expect(messages({ filter: 'type == "group"', mapping: { x: 'traits.anything' } }, identifyOnly)).toEqual([]);
    expect(messages({ filter: 'type == "identify"', mapping: { x: 'traits.anything' } }, identifyOnly)).toEqual([
      'mapping["x"]: traits.anything is not defined for identify calls in TrackingPlan p',
    ]);
  });
});
