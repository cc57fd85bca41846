import type { DestinationType } from '../types.ts';
import { amplitude } from './amplitude/index.ts';
import { file } from './file/index.ts';
import { ga4 } from './ga4/index.ts';
import { metaCapi } from './meta-capi/index.ts';
import { mixpanel } from './mixpanel/index.ts';
import { postgres } from './postgres/index.ts';
import { segment } from './segment/index.ts';
import { slack } from './slack/index.ts';
import { tiktok } from './tiktok/index.ts';
import { webhook } from './webhook/index.ts';

/**
 * Every destination type the runtime implements, in one explicit list: adding a type is
 * a folder under destinations/ plus one line here (and its name in the API's
 * DESTINATION_TYPES, which a test keeps equal to this list).
 */
export const DESTINATIONS: readonly DestinationType[] = [webhook, file, metaCapi, tiktok, slack, segment, amplitude, mixpanel, ga4, postgres];

export function destinationType(name: string): DestinationType | undefined {
  return DESTINATIONS.find((t) => t.type === name);
}
