import { createHash } from 'node:crypto';
import type { ResourceClient } from './client.ts';
import type { KubeObject, OwnerReference } from './types.ts';

/** The one field manager the operator applies as; `kubectl get -o yaml --show-managed-fields` shows it. */
export const FIELD_MANAGER = 'sluice-operator';

/** Annotation holding the digest of the last applied intent (see applyIfChanged). */
export const APPLIED_DIGEST_ANNOTATION = 'sluice.dev/applied-digest';

/**
 * The ownerReference that makes `owner` the controller of a child: deleting the owner
 * deletes the child (garbage collector), and foreground deletion waits for it.
 */
export function ownerReference(owner: KubeObject): OwnerReference {
  if (!owner.metadata.uid) {
    throw new Error(`building an owner reference to ${owner.kind} ${owner.metadata.name}: the object has no uid (not read from the API server)`);
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** What an apply request carries: the intent only, none of the server-owned metadata
 * (an apply with managedFields is refused; a resourceVersion would turn it into a precondition). */
export function applyIntent<T extends KubeObject>(obj: T): T {
  const { managedFields: _m, resourceVersion: _rv, uid: _u, creationTimestamp: _c, generation: _g, deletionTimestamp: _d, ...metadata } = obj.metadata;
  const { status: _s, ...rest } = obj as T & { status?: unknown };
  return { ...rest, metadata } as T;
}

/** A digest of the intent, stable across key order. */
export function intentDigest(obj: KubeObject): string {
  return createHash('sha256').update(canonicalJson(applyIntent(obj))).digest('hex').slice(0, 32);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Server-side apply as the operator's field manager. `force` (default true) takes over
 * fields another manager set: right for objects the operator owns outright.
 */
export function apply<T extends KubeObject>(client: ResourceClient<T>, desired: T, opts: { force?: boolean } = {}): Promise<T> {
  return client.apply(applyIntent(desired), { fieldManager: FIELD_MANAGER, force: opts.force ?? true });
}

/**
 * apply(), skipped when `current` (from the cache) already carries the digest of this
 * exact intent: saves a request per child per reconcile. Edits someone else makes to the
 * child are not undone until the intent changes; call apply() when that matters.
 */
export async function applyIfChanged<T extends KubeObject>(
  client: ResourceClient<T>,
  desired: T,
  current: T | undefined,
  opts: { force?: boolean } = {},
): Promise<{ applied: boolean; object: T }> {
  const digest = intentDigest(desired);
  if (current && !current.metadata.deletionTimestamp && current.metadata.annotations?.[APPLIED_DIGEST_ANNOTATION] === digest) {
    return { applied: false, object: current };
  }
  const stamped = {
    ...desired,
    metadata: { ...desired.metadata, annotations: { ...desired.metadata.annotations, [APPLIED_DIGEST_ANNOTATION]: digest } },
  };
  return { applied: true, object: await apply(client, stamped, opts) };
}
