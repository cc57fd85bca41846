import type { ResourceClient } from './client.ts';
import { jsonEqual, mergePatch } from './merge-patch.ts';
import type { KubeObject } from './types.ts';

interface WithConditions {
  observedGeneration?: number;
  conditions?: readonly { type: string }[];
}

/** Conditions are a map keyed by type: their order carries no meaning. */
export function normaliseStatus<S>(status: S): S {
  const s = status as WithConditions | undefined;
  if (!s || typeof s !== 'object' || !Array.isArray(s.conditions)) return status;
  const list: readonly { type: string }[] = s.conditions;
  const conditions = [...list].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  return { ...s, conditions } as S;
}

export function statusEqual(a: unknown, b: unknown): boolean {
  return jsonEqual(normaliseStatus(a ?? {}), normaliseStatus(b ?? {}));
}

/** The status to write: `status` with observedGeneration set to the generation it reflects. */
export function withObservedGeneration<S extends object>(status: S, generation: number | undefined): S & { observedGeneration?: number } {
  return generation === undefined ? status : { ...status, observedGeneration: generation };
}

/**
 * Writes `status` to the status subresource of `cached`, only when it differs from what the
 * cache holds (ignoring the order of conditions), always with observedGeneration. The patch
 * carries cached.metadata.resourceVersion, so a status computed from an outdated object
 * fails with 409 Conflict (retry) instead of overwriting newer news.
 */
export async function updateStatus<T extends KubeObject & { status?: object }>(
  client: ResourceClient<T>,
  cached: T,
  status: NonNullable<T['status']>,
  opts: { guard?: boolean } = {},
): Promise<{ written: boolean; object: T }> {
  const next = withObservedGeneration(status, cached.metadata.generation);
  if (statusEqual(cached.status, next)) return { written: false, object: cached };
  const body: Record<string, unknown> = { status: mergePatch(cached.status ?? {}, next) ?? {} };
  if (opts.guard !== false) body.metadata = { resourceVersion: cached.metadata.resourceVersion };
  const object = await client.patch(cached.metadata.name, cached.metadata.namespace, { type: 'merge', body }, { subresource: 'status' });
  return { written: true, object };
}
