import type { DestinationType } from '../types.ts';
import { file } from './file/index.ts';
import { metaCapi } from './meta-capi/index.ts';
import { slack } from './slack/index.ts';
import { tiktok } from './tiktok/index.ts';
import { webhook } from './webhook/index.ts';

/**
 * Every destination type the runtime implements, in one explicit list: adding a type is
 * a folder under destinations/ plus one line here (and its name in the API's
 * DESTINATION_TYPES, which a test keeps equal to this list).
 */
export const DESTINATIONS: readonly DestinationType[] = [webhook, file, metaCapi, tiktok, slack];

export function destinationType(name: string): DestinationType | undefined {
  return DESTINATIONS.find((t) => t.type === name);
}
