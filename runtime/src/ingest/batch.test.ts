import { describe, expect, it } from 'vitest';
import { IngestError } from './codes.ts';
import { mergeBatchFields, openEnvelope } from './batch.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return err instanceof IngestError ? err.code : 'unexpected';
  }
}

describe('openEnvelope', () => {
  it('wraps a single-event body with the endpoint type', () => {
    const body = { event: 'x', userId: 'u' };
    expect(openEnvelope(body, 'track', 10)).toEqual({ items: [body], type: 'track', sentAt: undefined, context: undefined, integrations: undefined });
  });

  it('opens a batch with its top-level fields', () => {
    const env = openEnvelope({ batch: [{ type: 'track' }], sentAt: 's', context: { a: 1 }, integrations: { All: false } }, undefined, 10);
    expect(env).toEqual({ items: [{ type: 'track' }], type: undefined, sentAt: 's', context: { a: 1 }, integrations: { All: false } });
  });

  it.each([
    [{}, 'empty_batch'],
    [{ batch: null }, 'empty_batch'],
    [{ batch: [] }, 'empty_batch'],
    [{ batch: {} }, 'invalid_batch'],
    [{ batch: [{}], context: 'x' }, 'invalid_batch'],
    [{ batch: [{}], integrations: [1] }, 'invalid_batch'],
    [{ batch: [{}, {}, {}] }, 'too_many_events'],
    [{ batch: [{}, {}] }, 'ok'],
  ])('%j → %s', (body, want) => {
    expect(codeOf(() => openEnvelope(body, undefined, 2))).toBe(want);
  });
});

describe('mergeBatchFields', () => {
  it('merges context one level deep and integrations shallowly, the item winning', () => {
    const context = { ip: '1.1.1.1', device: { type: 'phone', name: 'iPhone' }, library: { name: 'lib' }, locale: 'en' };
    const integrations = { All: true, Mixpanel: false, Amplitude: { session: 1 } };
    const item: Record<string, unknown> = {
      context: { device: { name: 'Pixel', id: 'd1' }, locale: 'de', library: 'weird' },
      integrations: { Mixpanel: true, Amplitude: { other: 2 } },
    };
    mergeBatchFields(item, context, integrations);
    expect(item).toEqual({
      context: { ip: '1.1.1.1', device: { type: 'phone', name: 'Pixel', id: 'd1' }, library: 'weird', locale: 'de' },
      integrations: { All: true, Mixpanel: true, Amplitude: { other: 2 } },
    });
  });

  it('gives every item its own copies', () => {
    const context = { device: { type: 'phone' } };
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = { context: null };
    mergeBatchFields(a, context, { All: true });
    mergeBatchFields(b, context, { All: true });
    (a.context as { device: { type: string } }).device.type = 'changed';
    (a.integrations as Record<string, boolean>).All = false;
    expect(b).toEqual({ context: { device: { type: 'phone' } }, integrations: { All: true } });
    expect(context.device.type).toBe('phone');
  });

  it('leaves an item context that is not an object for validation', () => {
    const item: Record<string, unknown> = { context: 'oops', integrations: 3 };
    mergeBatchFields(item, { a: 1 }, { All: true });
    expect(item).toEqual({ context: 'oops', integrations: 3 });
  });
});
