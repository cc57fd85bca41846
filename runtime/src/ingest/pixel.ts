import { isObject, type JsonObject } from '../event.ts';
import { scanJson } from './scan.ts';

/** A transparent 1×1 GIF: the pixel endpoint's answer whatever happens. */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * Reads `?data=<base64 JSON>` of a pixel request (standard or URL-safe base64; a "+" that
 * query decoding turned into a space is put back). Undefined when there is no usable event.
 */
export function decodePixelData(query: string, maxBytes: number, maxDepth: number): JsonObject | undefined {
  const data = new URLSearchParams(query).get('data');
  if (!data || data.length > Math.ceil((maxBytes * 4) / 3) + 4) return undefined;
  const json = Buffer.from(data.replaceAll(' ', '+'), 'base64');
  if (json.length === 0 || json.length > maxBytes || scanJson(json, maxDepth).tooDeep) return undefined;
  try {
    const parsed: unknown = JSON.parse(json.toString('utf8'));
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
