import { createRequire } from 'node:module';
import type ivm from 'isolated-vm';

let loaded: typeof ivm | undefined;

/**
 * isolated-vm, loaded on first use: a process whose Destinations run no function (the
 * operator, most delivery pods) never maps the native addon.
 */
export function isolatedVm(): typeof ivm {
  return (loaded ??= createRequire(import.meta.url)('isolated-vm') as typeof ivm);
}
