import type { KubeObject, OwnerReference } from './types.ts';

/** The work-queue and cache key: "namespace/name", or "name" for cluster-scoped objects. */
export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name);
}

export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** The controlling owner of `obj` when it is of `kind` in `apiGroup`. */
export function controllerOf(obj: KubeObject, kind: string, apiGroup: string): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find(
    (r) => r.controller === true && r.kind === kind && groupOf(r.apiVersion) === apiGroup,
  );
}

/** Maps a child to its controlling owner's key (owners share the child's namespace). */
export function ownerKeys(kind: string, apiGroup: string): (obj: KubeObject) => string[] {
  return (obj) => {
    const owner = controllerOf(obj, kind, apiGroup);
    return owner ? [objectKey(obj.metadata.namespace, owner.name)] : [];
  };
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
