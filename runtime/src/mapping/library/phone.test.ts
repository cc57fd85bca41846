import { describe, expect, it } from 'vitest';
import { event, NONE, reasonOf, valueOf } from '../testing.ts';

const e = event({
  context: { traits: { phone: '(415) 555-2671', uk: '020 7946 0958', intl: '+44 20 7946 0958', short: '12', words: 'call me', numeric: 4155552671, nothing: null } },
});

describe('e164', () => {
  it.each<[string, unknown]>([
    ['e164(context.traits.phone, "US")', '+14155552671'],
    ['e164(context.traits.phone, "us")', '+14155552671'],
    ['e164("415.555.2671", "US")', '+14155552671'],
    ['e164(context.traits.uk, "GB")', '+442079460958'],
    // An explicit country code wins over the default region.
    ['e164(context.traits.intl, "US")', '+442079460958'],
    ['e164(context.traits.intl)', '+442079460958'],
    ['e164(context.traits.numeric, "US")', '+14155552671'],
    ['sha256(e164(context.traits.phone, "US"))', valueOf('sha256("+14155552671")')],
    ['e164(context.traits.phone)', NONE],
    ['e164(context.traits.short, "US")', NONE],
    ['e164(context.traits.words, "US")', NONE],
    ['e164("", "US")', NONE],
    ['e164(context.traits.nothing, "US")', NONE],
    ['e164(context.traits.missing, "US")', NONE],
    ['e164(context.traits.phone, "XX")', NONE],
    ['e164(context.traits.phone, 1)', NONE],
    ['sha256(e164(context.traits.words, "US"))', NONE],
  ])('%s', (expr, expected) => {
    expect(valueOf(expr, e)).toEqual(expected);
  });

  it('explains what is wrong', () => {
    expect(reasonOf('e164(context.traits.short, "US")', e)).toBe('e164: not a valid phone number for region US');
    expect(reasonOf('e164(context.traits.phone)', e)).toContain('no default region');
    expect(reasonOf('e164(context.traits.phone, "XX")', e)).toContain('unknown region "XX"');
    expect(reasonOf('e164(context.traits.nothing, "US")', e)).toBe('e164: the value is null');
  });

  it('answers the same from its cache', () => {
    for (let i = 0; i < 3; i++) expect(valueOf('e164(context.traits.phone, "US")', e)).toBe('+14155552671');
    for (let i = 0; i < 3; i++) expect(valueOf('e164(context.traits.short, "US")', e)).toBe(NONE);
  });
});
