import { describe, expect, it } from 'vitest';
import type { Destination, TrackingPlanSpec } from '../../api/index.ts';
import { checkMappingCached } from './check.ts';
import { mappingCondition } from './plan.ts';

const storefront: TrackingPlanSpec = {
  events: [
    { name: 'Order Completed', properties: { type: 'object', properties: { revenue: { type: 'number' }, currency: { type: 'string' } } } },
    { name: 'Checkout Started', properties: { type: 'object', properties: { cart_id: { type: 'string' } } } },
  ],
};
const plan = { name: 'storefront', spec: storefront };
const other = { name: 'backend', spec: { events: [{ name: 'Order Completed', properties: { type: 'object', properties: { total: { type: 'number' } } } }] } };
const spec = (over: Partial<Destination['spec']>): Destination['spec'] => ({ sources: [{ name: 'web' }], type: 'webhook', settings: { url: 'http://r/e' }, ...over });
const checkout = 'event == "Checkout Started"';

describe('mappingCondition', () => {
  it.each([
    ['no plan to check against', spec({ mapping: { v: 'properties.anything' } }), [], 'True', 'NoTrackingPlan', 'no Source of this Destination has a TrackingPlan to check against'],
    ['a mapping the plan defines', spec({ filter: 'event == "Order Completed"', mapping: { v: 'properties.revenue' } }), [plan], 'True', 'FieldsInPlan', 'filter and mapping read only what TrackingPlan storefront defines'],
    [
      'a property the filtered event lacks',
      spec({ filter: checkout, mapping: { v: 'properties.revenue' } }),
      [plan],
      'False',
      'FieldsNotInPlan',
      '1 warning: mapping["v"]: properties.revenue is not defined for event "Checkout Started" in TrackingPlan storefront (column 1)',
    ],
    [
      'a comparison the plan rules out, in the filter',
      spec({ filter: 'event == "Order Completed" && properties.revenue == "10"' }),
      [plan],
      'False',
      'FieldsNotInPlan',
      '1 warning: filter: properties.revenue is compared with the string "10", but TrackingPlan storefront allows number for event "Order Completed" (column 31)',
    ],
    [
      'each plan of its Sources',
      spec({ filter: 'event == "Order Completed"', mapping: { v: 'properties.revenue' } }),
      [plan, other],
      'False',
      'FieldsNotInPlan',
      '1 warning: mapping["v"]: properties.revenue is not defined for event "Order Completed" in TrackingPlan backend (column 1)',
    ],
    [
      'many warnings, the first three spelled out',
      spec({ filter: checkout, mapping: { a: 'properties.a', b: 'properties.b', c: 'properties.c', d: 'properties.d', e: 'properties.e' } }),
      [plan],
      'False',
      'FieldsNotInPlan',
      '5 warnings: mapping["a"]: properties.a is not defined for event "Checkout Started" in TrackingPlan storefront (column 1); ' +
        'mapping["b"]: properties.b is not defined for event "Checkout Started" in TrackingPlan storefront (column 1); ' +
        'mapping["c"]: properties.c is not defined for event "Checkout Started" in TrackingPlan storefront (column 1); and 2 more',
    ],
  ] as const)('%s', (_what, s, plans, status, reason, message) => {
    expect(mappingCondition(s, plans, checkMappingCached)).toEqual({ type: 'MappingChecked', status, reason, message });
  });

  it('checks each distinct spec and plan set once', () => {
    const s = spec({ filter: checkout, mapping: { v: 'properties.revenue' } });
    expect(checkMappingCached(s, [plan])).toBe(checkMappingCached({ ...s }, [{ ...plan }]));
    expect(checkMappingCached(s, [plan])).not.toBe(checkMappingCached(s, [plan, other]));
  });
});
