import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js/max';
import { describeValue, NoValue, type LibraryFunction } from './args.ts';

type Phone = typeof import('libphonenumber-js/max');
let phoneLib: Phone | undefined;
/**
 * libphonenumber's metadata is large (~15 MB resident): it is loaded on the first e164() call,
 * so processes that only compile or check mappings (the operator, validate) never load it.
 */
const phoneLibrary = (): Phone => (phoneLib ??= createRequire(import.meta.url)('libphonenumber-js/max') as Phone);

export const PHONE_FUNCTIONS: LibraryFunction[] = [
  {
    name: 'e164',
    overloads: [
      ['e164(dyn): string', (phone: unknown) => e164(phone, undefined)],
      ['e164(dyn, dyn): string', (phone: unknown, region: unknown) => e164(phone, region)],
    ],
    usage: 'e164(phone[, defaultRegion])',
    description:
      'A phone number in E.164 form (+14155552671). Numbers without a country code are read as numbers of defaultRegion (ISO 3166 code such as "US"); an invalid number gives no value.',
    example: 'sha256(e164(context.traits.phone, "US"))',
  },
];

/** Parsing a number costs several microseconds and the same users come back, so results are kept. */
const CACHE_LIMIT = 4096;
const cache = new Map<string, string | null>();

const MAX_PHONE_LENGTH = 64;

export function e164(phone: unknown, region: unknown): string {
  const text = typeof phone === 'string' ? phone : typeof phone === 'bigint' || (typeof phone === 'number' && Number.isInteger(phone)) ? String(phone) : undefined;
  if (text === undefined) throw new NoValue('e164', phone === null || phone === undefined ? 'the value is null' : `expected a phone number, got ${describeValue(phone)}`);
  const country = regionOf(region);
  if (text.length > MAX_PHONE_LENGTH) throw new NoValue('e164', `not a phone number (${text.length} characters)`);
  const key = `${country ?? ''}\u0000${text}`;
  let result = cache.get(key);
  if (result === undefined) {
    const parsed = phoneLibrary().parsePhoneNumberFromString(text, country === undefined ? undefined : { defaultCountry: country });
    result = parsed?.isValid() ? parsed.number : null;
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    cache.set(key, result);
  }
  if (result === null) throw new NoValue('e164', country ? `not a valid phone number for region ${country}` : 'not a valid phone number (no country code, and no default region given)');
  return result;
}

/** Region text as written → its code; the region is nearly always a literal, so this stays tiny. */
const regions = new Map<string, CountryCode>();

function regionOf(region: unknown): CountryCode | undefined {
  if (region === undefined) return undefined;
  if (typeof region !== 'string') throw new NoValue('e164', `the region must be text such as "US", got ${describeValue(region)}`);
  const known = regions.get(region);
  if (known) return known;
  const code = region.toUpperCase();
  if (!phoneLibrary().isSupportedCountry(code)) throw new NoValue('e164', `unknown region "${region}"; use an ISO 3166 code such as "US" or "GB"`);
  if (regions.size < 512) regions.set(region, code);
  return code;
}
