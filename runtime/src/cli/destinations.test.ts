import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { DESTINATIONS } from '../delivery/destinations/index.ts';
import type { DestinationType } from '../delivery/types.ts';
import { describeType, kindOf, runDestinations } from './destinations.ts';

const ads: DestinationType = {
  type: 'ads',
  displayName: 'Ads Platform',
  description: 'Sends conversions to an ad platform.',
  maxBatchSize: 500,
  settingsSchema: Type.Object({
    pixelId: Type.String({ description: 'The pixel.', pattern: '^[0-9]+$' }),
    mode: Type.Optional(Type.Union([Type.Literal('live'), Type.Literal('test')], { description: 'Where events go.', default: 'live' })),
    retries: Type.Optional(Type.Integer({ description: 'Attempts.', minimum: 1, maximum: 5 })),
    tags: Type.Optional(Type.Array(Type.String(), { description: 'Labels.' })),
    auth: Type.Optional(Type.Object({ key: Type.String({ description: 'Secret key name.' }) }, { description: 'How to sign in.' })),
  }),
  defaultMapping: { event_name: 'event', 'user_data.em': 'sha256(lower(traits.email))' },
  create: () => ({ send: () => Promise.resolve([]) }),
};

function run(values: Record<string, unknown>, positionals: string[] = [], types: readonly DestinationType[] = [ads, ...DESTINATIONS]) {
  let out = '';
  let err = '';
  const code = runDestinations({ output: 'text', ...values }, positionals, (t) => (out += t), (t) => (err += t), types);
  return { code, out, err };
}

describe('sluice destinations', () => {
  it('describes a type: settings with kinds, required, defaults and limits, nested objects, and the default mapping', () => {
    expect(describeType(ads)).toBe(`ads (Ads Platform)
  Sends conversions to an ad platform.
  Turned off for an event by integrations: {"Ads Platform": false} (or the Destination's name).
  At most 500 events per request.

  Settings (spec.settings):
    pixelId  (string, required)
        The pixel.
        matches ^[0-9]+$
    mode  (live | test, default "live")
        Where events go.
    retries  (integer)
        Attempts.
        1 to 5
    tags  (list of string)
        Labels.
    auth  (object)
        How to sign in.
        key  (string, required)
            Secret key name.

  Default mapping (spec.mapping replaces it key by key):
    event_name    event
    user_data.em  sha256(lower(traits.email))
`);
  });

  it('lists every type of the catalogue with a summary first', () => {
    const r = run({});
    expect(r.code).toBe(0);
    expect(r.out.startsWith(`${DESTINATIONS.length + 1} destination types:\n  ads `)).toBe(true);
    for (const t of DESTINATIONS) expect(r.out).toContain(`\n${t.type}`);
  });

  it('shows one type, named by position or --type', () => {
    expect(run({}, ['ads']).out).toBe(`${describeType(ads)}\n`);
    expect(run({ type: 'webhook' }).out).toContain('webhook (Webhook)\n');
    expect(run({ type: 'webhook' }).out).not.toContain('ads');
  });

  it('prints JSON with the settings schema', () => {
    const list = JSON.parse(run({ output: 'json' }, ['ads']).out) as Array<Record<string, unknown>>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ type: 'ads', displayName: 'Ads Platform', maxBatchSize: 500, defaultMapping: ads.defaultMapping, settings: { type: 'object' } });
  });

  it.each<[string, Record<string, unknown>, string[], number, RegExp]>([
    ['an unknown type', {}, ['nope'], 1, /no destination type "nope"; known: ads, webhook/],
    ['two types', { type: 'ads' }, ['webhook'], 2, /one type at a time/],
    ['a bad --output', { output: 'yaml' }, [], 2, /--output must be text or json/],
  ])('refuses %s', (_name, values, positionals, code, message) => {
    const r = run(values, positionals);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});

describe('kindOf', () => {
  it.each<[Record<string, unknown>, string]>([
    [{ type: 'boolean' }, 'bool'],
    [{ type: 'object', patternProperties: { '^.*$': { type: 'string' } } }, 'map of string'],
    [{ type: 'object', additionalProperties: { type: 'integer' } }, 'map of integer'],
    [{ anyOf: [{ type: 'string' }, { type: 'integer' }] }, 'string | integer'],
    [{ enum: ['a', 1] }, '"a" | 1'],
    [{}, 'any'],
  ])('%j', (schema, expected) => {
    expect(kindOf(schema)).toBe(expected);
  });
});
