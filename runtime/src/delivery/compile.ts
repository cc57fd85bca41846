import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import type { DestinationRuntime } from '../config.ts';
import type { StartFrom } from '../bus/types.ts';
import { CelCompileError, compileFilter } from '../mapping/cel.ts';
import { parseDuration } from '../util/duration.ts';
import type { RetryPolicy, RouteRules } from './decide.ts';
import { createTransform, type Transform } from './transform.ts';
import type { DestinationClient, DestinationType } from './types.ts';

/** The defaults of spec.delivery, as documented in the Destination API. */
export const DELIVERY_DEFAULTS = {
  batchSize: 100,
  maxInFlight: 8,
  timeout: '10s',
  maxAge: '4h',
  backoff: { initial: '1s', max: '5m' },
} as const;

/** A Destination ready to run: everything parsed, validated and compiled once. */
export interface CompiledDestination {
  readonly name: string;
  /** Changes whenever anything that affects delivery changes (spec, credentials, function). */
  readonly digest: string;
  readonly type: DestinationType;
  readonly sources: readonly string[];
  readonly route: RouteRules;
  readonly transform: Transform;
  readonly client: DestinationClient;
  /** min(spec.delivery.batchSize, type and client caps). */
  readonly batchSize: number;
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly startFrom: string;
  /** Credential values, masked wherever text leaves the process. */
  readonly secrets: readonly string[];
}

/** A Destination that cannot run as written; `problems` lists every reason. */
export class DestinationConfigError extends Error {
  readonly destination: string;
  readonly problems: string[];
  constructor(destination: string, problems: string[], cause?: unknown) {
    super(`compiling destination "${destination}": ${problems.join('; ')}`, cause === undefined ? undefined : { cause });
    this.name = 'DestinationConfigError';
    this.destination = destination;
    this.problems = problems;
  }
}

export function compileDestination(dest: DestinationRuntime, types: readonly DestinationType[]): CompiledDestination {
  const problems: string[] = [];
  const spec = dest.spec;
  const type = types.find((t) => t.type === spec.type);
  if (!type) throw new DestinationConfigError(dest.name, [`unknown type "${spec.type}"; known: ${types.map((t) => t.type).join(', ')}`]);

  const settings = checkSettings(type, spec.settings ?? {}, problems);
  let filter: RouteRules['filter'];
  if (spec.filter !== undefined) {
    try {
      filter = compileFilter(spec.filter);
    } catch (err) {
      problems.push(`filter: ${err instanceof CelCompileError ? err.message : String(err)}`);
    }
  }
  const d = spec.delivery ?? {};
  const duration = (field: string, text: string) => {
    try {
      return parseDuration(text);
    } catch (err) {
      problems.push(`delivery.${field}: ${(err as Error).message}`);
      return 0;
    }
  };
  const timeoutMs = duration('timeout', d.timeout ?? DELIVERY_DEFAULTS.timeout);
  const retry: RetryPolicy = {
    maxAgeMs: duration('maxAge', d.maxAge ?? DELIVERY_DEFAULTS.maxAge),
    initialMs: duration('backoff.initial', d.backoff?.initial ?? DELIVERY_DEFAULTS.backoff.initial),
    maxMs: duration('backoff.max', d.backoff?.max ?? DELIVERY_DEFAULTS.backoff.max),
  };
  if (retry.initialMs > retry.maxMs) problems.push('delivery.backoff: initial is longer than max');
  const startFrom = spec.startFrom ?? 'now';
  try {
    parseStartFrom(startFrom, 0);
  } catch (err) {
    problems.push((err as Error).message);
  }

  let client: DestinationClient | undefined;
  if (problems.length === 0) {
    try {
      client = type.create({ name: dest.name, settings, credentials: dest.credentials, timeoutMs });
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (problems.length > 0 || !client) throw new DestinationConfigError(dest.name, problems);

  const caps = [d.batchSize ?? DELIVERY_DEFAULTS.batchSize, type.maxBatchSize, client.maxBatchSize];
  return {
    name: dest.name,
    digest: destinationDigest(dest),
    type,
    sources: [...new Set(spec.sources.map((s) => s.name))],
    route: {
      names: type.displayName ? [dest.name, type.displayName] : [dest.name],
      consentCategories: spec.consent?.categories ?? [],
      ...(filter ? { filter } : {}),
    },
    transform: createTransform(dest, type),
    client,
    batchSize: Math.max(1, Math.min(...caps.filter((c): c is number => typeof c === 'number'))),
    maxInFlight: d.maxInFlight ?? DELIVERY_DEFAULTS.maxInFlight,
    timeoutMs,
    retry,
    startFrom,
    secrets: Object.values(dest.credentials).filter((v) => v.length > 0),
  };
}

/**
 * Every problem with a Destination that only the runtime can see (settings against the
 * type's schema, the CEL filter, credentials the settings name); empty when it would run.
 */
export function checkDestination(dest: DestinationRuntime, types: readonly DestinationType[]): string[] {
  try {
    const compiled = compileDestination(dest, types);
    void compiled.client.close?.().catch(() => undefined);
    return [];
  } catch (err) {
    if (err instanceof DestinationConfigError) return err.problems;
    throw err;
  }
}

/** Applies the schema's defaults and lists what does not match it. */
export function checkSettings(type: DestinationType, settings: Record<string, unknown>, problems: string[]): Record<string, unknown> {
  const value = Value.Default(type.settingsSchema, structuredClone(settings)) as Record<string, unknown>;
  if (!Value.Check(type.settingsSchema, value)) {
    for (const e of Value.Errors(type.settingsSchema, value)) {
      problems.push(`settings${e.path.replaceAll('/', '.')}: ${e.message}`);
      if (problems.length >= 20) break;
    }
  }
  return value;
}

/** `now`, a duration back from `now`, or an RFC 3339 time. */
export function parseStartFrom(text: string, now: number): StartFrom {
  if (text === 'now') return { kind: 'now' };
  if (/^[0-9]{4}-/.test(text)) {
    const t = Date.parse(text);
    if (Number.isNaN(t)) throw new Error(`startFrom: "${text}" is not an RFC 3339 time`);
    return { kind: 'time', time: new Date(t) };
  }
  try {
    return { kind: 'time', time: new Date(now - parseDuration(text)) };
  } catch (err) {
    throw new Error(`startFrom: expected now, a duration (72h) or an RFC 3339 time, got "${text}"`, { cause: err });
  }
}

/** Changes whenever anything that affects delivery changes: spec, credentials, function source. */
export function destinationDigest(dest: DestinationRuntime): string {
  return createHash('sha256')
    .update(stableJson({ spec: dest.spec, credentials: dest.credentials, functionSource: dest.functionSource ?? null }))
    .digest('hex');
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
