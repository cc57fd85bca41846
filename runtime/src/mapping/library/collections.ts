import { describeValue, NoValue, type LibraryFunction } from './args.ts';

export const COLLECTION_FUNCTIONS: LibraryFunction[] = [
  {
    name: 'pick',
    overloads: [['pick(dyn, dyn): map', (m: unknown, keys: unknown) => pick('pick', m, keys, true)]],
    usage: 'pick(map, keys)',
    description: 'Only the listed keys of a map.',
    example: 'pick(properties, ["order_id", "revenue", "currency"])',
  },
  {
    name: 'omit',
    overloads: [['omit(dyn, dyn): map', (m: unknown, keys: unknown) => pick('omit', m, keys, false)]],
    usage: 'omit(map, keys)',
    description: 'A map without the listed keys.',
    example: 'omit(context.traits, ["email", "phone"])',
  },
  {
    name: 'merge',
    overloads: [['merge(dyn, dyn): map', merge]],
    usage: 'merge(a, b)',
    description: 'The keys of both maps; b wins where both have a key. One level deep.',
    example: 'merge(properties, {"source": "web"})',
  },
];

function entries(fn: string, m: unknown): Array<[string, unknown]> {
  if (m instanceof Map) return [...(m as Map<unknown, unknown>)].map(([k, v]) => [String(k), v]);
  if (typeof m === 'object' && m !== null && !Array.isArray(m) && !(m instanceof Uint8Array) && !(m instanceof Date)) {
    return Object.entries(m);
  }
  throw new NoValue(fn, m === null || m === undefined ? 'the value is null' : `expected a map, got ${describeValue(m)}`);
}

function keyList(fn: string, keys: unknown): Set<string> {
  if (!Array.isArray(keys)) throw new NoValue(fn, `expected a list of keys, got ${describeValue(keys)}`);
  return new Set((keys as unknown[]).map(String));
}

function pick(fn: string, m: unknown, keys: unknown, keep: boolean): Record<string, unknown> {
  const wanted = keyList(fn, keys);
  return build(entries(fn, m).filter(([k]) => wanted.has(k) === keep));
}

function merge(a: unknown, b: unknown): Record<string, unknown> {
  return build([...entries('merge', a), ...entries('merge', b)]);
}

/** A plain object; a "__proto__" key from event data stays a key, never becomes the prototype. */
function build(list: Array<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of list) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}
