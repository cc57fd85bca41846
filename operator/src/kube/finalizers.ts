import type { JsonPatchOp, ResourceClient } from './client.ts';
import type { KubeObject } from './types.ts';

export const hasFinalizer = (obj: KubeObject, finalizer: string): boolean => (obj.metadata.finalizers ?? []).includes(finalizer);

/**
 * The JSON patch that adds or removes `finalizer`, or undefined when there is nothing to do.
 * It first sets metadata.resourceVersion to the version we read: the API server treats that
 * as a precondition and answers 409 Conflict if the object changed since, so a stale cache
 * can never drop someone else's finalizer or re-add ours after it was removed.
 */
export function finalizerPatch(obj: KubeObject, finalizer: string, op: 'add' | 'remove'): JsonPatchOp[] | undefined {
  const rv = obj.metadata.resourceVersion;
  if (!rv) throw new Error(`changing finalizers of ${obj.kind} ${obj.metadata.name}: the object has no resourceVersion (not read from the API server)`);
  const list = obj.metadata.finalizers;
  const guard: JsonPatchOp = { op: 'replace', path: '/metadata/resourceVersion', value: rv };
  if (op === 'add') {
    if (list?.includes(finalizer)) return undefined;
    return [guard, list ? { op: 'add', path: '/metadata/finalizers/-', value: finalizer } : { op: 'add', path: '/metadata/finalizers', value: [finalizer] }];
  }
  const i = list?.indexOf(finalizer) ?? -1;
  if (i < 0) return undefined;
  return [guard, { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer }, { op: 'remove', path: `/metadata/finalizers/${i}` }];
}

/** Adds `finalizer` (a no-op returning `obj` when present). Throws 409 when `obj` is stale. */
export async function addFinalizer<T extends KubeObject>(client: ResourceClient<T>, obj: T, finalizer: string): Promise<T> {
  const ops = finalizerPatch(obj, finalizer, 'add');
  return ops ? client.patch(obj.metadata.name, obj.metadata.namespace, { type: 'json', ops }) : obj;
}

/** Removes `finalizer` (a no-op returning `obj` when absent). Throws 409 when `obj` is stale. */
export async function removeFinalizer<T extends KubeObject>(client: ResourceClient<T>, obj: T, finalizer: string): Promise<T> {
  const ops = finalizerPatch(obj, finalizer, 'remove');
  return ops ? client.patch(obj.metadata.name, obj.metadata.namespace, { type: 'json', ops }) : obj;
}
