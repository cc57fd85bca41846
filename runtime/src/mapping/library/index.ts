import type { Environment, RegisteredFunctionHandler } from '@marcbachmann/cel-js';
import type { LibraryFunction } from './args.ts';
import { COLLECTION_FUNCTIONS } from './collections.ts';
import { MACROS } from './macros.ts';
import { NUMBER_FUNCTIONS } from './numbers.ts';
import { PHONE_FUNCTIONS } from './phone.ts';
import { STRING_FUNCTIONS } from './strings.ts';
import { TIME_FUNCTIONS } from './time.ts';

export { NoValue, type LibraryFunction } from './args.ts';

/** Every function Sluice adds to CEL for filters and mappings, in the order the docs list them. */
export const LIBRARY: readonly LibraryFunction[] = [
  ...STRING_FUNCTIONS,
  ...PHONE_FUNCTIONS,
  ...TIME_FUNCTIONS,
  ...NUMBER_FUNCTIONS,
  ...MACROS,
  ...COLLECTION_FUNCTIONS,
];

export function registerLibrary(env: Environment): void {
  for (const f of LIBRARY) {
    for (const [signature, handler] of f.overloads) {
      env.registerFunction(signature, handler as RegisteredFunctionHandler, { description: f.description });
    }
  }
}
