import { describeValue, NoValue, numeric, type LibraryFunction } from './args.ts';

export const NUMBER_FUNCTIONS: LibraryFunction[] = [
  {
    name: 'toNumber',
    overloads: [['toNumber(dyn): double', toNumber]],
    usage: 'toNumber(x)',
    description: 'A number from a number or from text such as "12.50" or "1e3"; anything else gives no value. (int(x) and double(x) also parse text.)',
    example: 'toNumber(properties.price)',
  },
  {
    name: 'round',
    overloads: [
      ['round(dyn): double', (v: unknown) => round(v, 0n)],
      ['round(dyn, dyn): double', round],
    ],
    usage: 'round(x[, digits])',
    description: 'Rounds half away from zero, to a whole number or to `digits` decimal places (0-15).',
    example: 'round(properties.revenue * 1.2, 2)',
  },
];

const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_NUMBER_TEXT = 64;

export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'string') throw new NoValue('toNumber', v === null || v === undefined ? 'the value is null' : `expected a number or text, got ${describeValue(v)}`);
  const s = v.trim();
  if (s.length > MAX_NUMBER_TEXT || !NUMBER_TEXT.test(s)) throw new NoValue('toNumber', `not a number: "${s.length > 40 ? `${s.slice(0, 40)}…` : s}"`);
  const n = Number(s);
  if (!Number.isFinite(n)) throw new NoValue('toNumber', `out of range: "${s}"`);
  return n;
}

function round(v: unknown, digits: unknown): number {
  const x = numeric('round', v);
  const d = numeric('round', digits);
  if (!Number.isInteger(d) || d < 0 || d > 15) throw new NoValue('round', `digits must be a whole number from 0 to 15, got ${d}`);
  if (!Number.isFinite(x)) throw new NoValue('round', `cannot round ${x}`);
  // Shifting through the decimal exponent avoids binary surprises such as 1.005 → 1.00;
  // numbers already printed with an exponent take the plain arithmetic route.
  const abs = Math.abs(x);
  let result = Number(`${Math.round(Number(`${abs}e${d}`))}e-${d}`);
  if (!Number.isFinite(result)) result = Math.round(abs * 10 ** d) / 10 ** d;
  return x < 0 ? -result : result;
}
