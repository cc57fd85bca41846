import { hash } from 'node:crypto';
import { describeValue, NoValue, numeric, text, type LibraryFunction } from './args.ts';

export const STRING_FUNCTIONS: LibraryFunction[] = [
  {
    name: 'lower',
    overloads: [['lower(dyn): string', (v: unknown) => text('lower', v).toLowerCase()]],
    usage: 'lower(s)',
    description: 'Lower-cases text.',
    example: 'lower("Ada@Example.COM") == "ada@example.com"',
  },
  {
    name: 'upper',
    overloads: [['upper(dyn): string', (v: unknown) => text('upper', v).toUpperCase()]],
    usage: 'upper(s)',
    description: 'Upper-cases text.',
    example: 'upper("usd") == "USD"',
  },
  {
    name: 'trim',
    overloads: [['trim(dyn): string', (v: unknown) => text('trim', v).trim()]],
    usage: 'trim(s)',
    description: 'Removes leading and trailing whitespace.',
    example: 'trim("  ada@example.com ") == "ada@example.com"',
  },
  {
    name: 'sha256',
    overloads: [['sha256(dyn): string', sha256]],
    usage: 'sha256(s)',
    description: 'SHA-256 of the UTF-8 text (or bytes) as lower-case hex, the form ad platforms match on. Empty text gives no value.',
    example: 'sha256(lower(trim(context.traits.email)))',
  },
  {
    name: 'split',
    overloads: [['split(dyn, dyn): list<string>', (s: unknown, sep: unknown) => text('split', s).split(text('split', sep))]],
    usage: 'split(s, sep)',
    description: 'Splits text at each separator.',
    example: 'split("a,b", ",") == ["a", "b"]',
  },
  {
    name: 'join',
    overloads: [['join(dyn, dyn): string', join]],
    usage: 'join(list, sep)',
    description: 'Joins a list of text, numbers or bools with a separator; nulls are skipped.',
    example: 'join(properties.tags, ",")',
  },
  {
    name: 'replace',
    overloads: [['replace(dyn, dyn, dyn): string', replace]],
    usage: 'replace(s, from, to)',
    description: 'Replaces every occurrence of `from` with `to`.',
    example: 'replace(properties.sku, "-", "")',
  },
  {
    name: 'truncate',
    overloads: [['truncate(dyn, dyn): string', truncate]],
    usage: 'truncate(s, n)',
    description: 'The first n characters of the text (whole characters, never half an emoji).',
    example: 'truncate(properties.title, 100)',
  },
];

function sha256(v: unknown): string {
  if (v instanceof Uint8Array) return hash('sha256', v, 'hex');
  const s = text('sha256', v);
  // The hash of nothing is a valid-looking identifier that matches every empty field.
  if (s === '') throw new NoValue('sha256', 'the text is empty');
  return hash('sha256', s, 'hex');
}

function join(list: unknown, sep: unknown): string {
  const separator = text('join', sep);
  if (!Array.isArray(list)) throw new NoValue('join', list === null || list === undefined ? 'the value is null' : `expected a list, got ${describeValue(list)}`);
  const parts: string[] = [];
  for (const item of list as unknown[]) {
    if (item === null || item === undefined) continue;
    if (typeof item === 'string') parts.push(item);
    else if (typeof item === 'number' || typeof item === 'bigint' || typeof item === 'boolean') parts.push(String(item));
    else throw new NoValue('join', `cannot join ${describeValue(item)}`);
  }
  return parts.join(separator);
}

function replace(s: unknown, from: unknown, to: unknown): string {
  const value = text('replace', s);
  const search = text('replace', from);
  return search === '' ? value : value.replaceAll(search, text('replace', to));
}

function truncate(s: unknown, n: unknown): string {
  const value = text('truncate', s);
  const max = numeric('truncate', n);
  if (!Number.isInteger(max) || max < 0) throw new NoValue('truncate', `the length must be a whole number of 0 or more, got ${max}`);
  if (value.length <= max) return value;
  const chars = Array.from(value);
  return chars.length <= max ? value : chars.slice(0, max).join('');
}
