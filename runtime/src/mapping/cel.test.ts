import { describe, expect, it } from 'vitest';
import type { SegmentEvent } from '../event.ts';
import { CelCompileError, compileExpression, compileFilter, fromCel } from './cel.ts';

const base = { messageId: 'm1', timestamp: '2024-05-01T10:00:00.000Z', receivedAt: '2024-05-01T10:00:01.000Z' };
const order: SegmentEvent = {
  ...base,
  type: 'track',
  event: 'Order Completed',
  userId: 'u1',
  properties: { revenue: 150.5, qty: 2, tags: ['sale'], items: [{ sku: 'a' }] },
  context: { consent: { categoryPreferences: { advertising: true } } },
};
const identify: SegmentEvent = { ...base, type: 'identify', userId: 'u1', traits: { email: 'a@b.c', plan: 'pro' } };
const page: SegmentEvent = { ...base, type: 'page', anonymousId: 'a1', name: 'Home' };

describe('compileFilter', () => {
  it.each<[string, SegmentEvent, boolean]>([
    ['type == "track" && event in ["Order Completed"]', order, true],
    ['type == "track" && event in ["Order Completed"]', identify, false],
    ['event in ["Order Completed", "Checkout Started"]', identify, false],
    ['event == "Order Completed"', page, false],
    ['type != "track"', identify, true],
    ['properties.revenue > 100', order, true],
    ['properties.revenue > 100.0', order, true],
    ['properties.revenue >= 151', order, false],
    ['properties.qty == 2', order, true],
    ['properties.qty in [1, 2, 3]', order, true],
    ['properties.revenue * 100 > 15000', order, true],
    ['properties.revenue + 1 == 151.5', order, true],
    ['has(properties.revenue)', order, true],
    ['has(properties.revenue)', identify, false],
    ['properties.revenue > 100', identify, false],
    ['"sale" in properties.tags', order, true],
    ['properties.items.exists(i, i.sku == "a")', order, true],
    ['traits.email.endsWith("@b.c")', identify, true],
    ['has(traits.email) && traits.plan == "pro"', identify, true],
    ['userId == null', page, true],
    ['anonymousId != null', page, true],
    ['context.consent.categoryPreferences.advertising == true', order, true],
    ['properties.?coupon.orValue("none") == "none"', order, true],
    ['type(properties.qty) == double', order, true],
    ['message.name == "Home"', page, true],
    ['timestamp(timestamp) > timestamp("2024-01-01T00:00:00Z")', order, true],
    ['properties.revenue', order, false],
    ['true', identify, true],
  ])('%s', (expr, event, expected) => {
    expect(compileFilter(expr)(event)).toBe(expected);
  });

  it('reports a syntax error with its position in the text as written', () => {
    const expr = 'type == "track" &&';
    const err = catchCompile(() => compileFilter(expr));
    expect(err.expression).toBe(expr);
    expect(err.position).toEqual({ offset: 18, line: 1, column: 19 });
    expect(err.message).toContain('compiling CEL expression');
    expect(err.message).toContain('column 19');
  });

  it('reports an unknown variable at its position', () => {
    const err = catchCompile(() => compileFilter('type == "track" && evnt == "x"'));
    expect(err.reason).toContain('evnt');
    expect(err.position?.column).toBe(20);
  });

  it('reports lines and columns in multi-line expressions', () => {
    const err = catchCompile(() => compileFilter('type == "track" &&\n  event ==== "x"'));
    expect(err.position?.line).toBe(2);
    expect(err.message).toContain('line 2');
  });

  it('names `type`, not its internal alias, in messages', () => {
    const err = catchCompile(() => compileFilter('type + 1 == 2 && "a" + 1 == "a1"'));
    expect(err.message).not.toContain('_ty_');
  });

  it('rejects expressions that cannot be a bool', () => {
    const err = catchCompile(() => compileFilter('"track"'));
    expect(err.reason).toContain('must evaluate to bool');
  });

  it('rejects empty and oversized expressions', () => {
    expect(catchCompile(() => compileFilter('  ')).reason).toContain('empty');
    expect(catchCompile(() => compileFilter(`true || ${'x'.repeat(5000)}`)).reason).toContain('at most');
  });
});

describe('compileExpression', () => {
  it.each<[string, SegmentEvent, unknown]>([
    ['event', order, 'Order Completed'],
    ['properties.qty', order, 2],
    ['1 + 2', order, 3],
    ['properties.revenue * 2', order, 301],
    ['{"a": 1, "b": [1, 2]}', order, { a: 1, b: [1, 2] }],
    ['properties.missing', order, undefined],
    ['properties.?missing', order, undefined],
    ['properties.?qty', order, 2],
    ['b"hi"', order, 'aGk='],
    ['timestamp("2024-01-01T00:00:00Z")', order, '2024-01-01T00:00:00.000Z'],
    ['type', identify, 'identify'],
    ['event', identify, null],
  ])('%s', (expr, event, expected) => {
    expect(compileExpression(expr)(event)).toEqual(expected);
  });
});

describe('fromCel', () => {
  it('keeps integers beyond 2^53 exact as strings', () => {
    expect(fromCel(2n ** 60n)).toBe('1152921504606846976');
  });
  it('converts maps with non-string keys', () => {
    expect(fromCel(new Map<unknown, unknown>([[1n, 'a']]))).toEqual({ '1': 'a' });
  });
});

function catchCompile(fn: () => unknown): CelCompileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CelCompileError) return err;
    throw err;
  }
  throw new Error('expected a CelCompileError');
}
