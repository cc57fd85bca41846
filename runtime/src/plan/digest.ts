import { createHash } from 'node:crypto';
import type { TrackingPlanSpec } from '../../../operator/src/api/index.ts';

/**
 * JSON with object keys sorted at every level, so two specs that differ only in key order
 * (YAML written by hand vs. the same object read back from the API server) share a digest.
 * Array order is kept: it is meaningful (enum, required, events).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; callers only pass JSON data, but a
    // stray undefined must not turn into the string "undefined" and collide with it.
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** sha256 (hex) of the spec's canonical JSON: the plan version used for caching and rollouts. */
export function planDigest(spec: TrackingPlanSpec): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}
