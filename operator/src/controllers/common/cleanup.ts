import { addFinalizer, hasFinalizer, isNotFound, removeFinalizer, type KubeObject, type ResourceClient } from '../../kube/index.ts';

/** Held on Sources and Destinations until what they left on the bus is removed. */
export const CLEANUP_FINALIZER = 'sluice.dev/cleanup';

/**
 * Removes what a deleted resource left on the bus (streams, consumers, dead letters). The
 * operator holds the cleanup finalizer until it resolves; a rejection retries with backoff.
 */
export interface BusJanitor {
  deleteSource(namespace: string, name: string): Promise<void>;
  deleteDestination(namespace: string, name: string): Promise<void>;
}

/** Without a bus connection there is nothing to remove: deletion is never held up. */
export const NO_BUS_JANITOR: BusJanitor = {
  deleteSource: () => Promise.resolve(),
  deleteDestination: () => Promise.resolve(),
};

/**
 * The finalizer step of a reconcile. For an object being deleted: clean up, release the
 * finalizer, and report `done` (nothing else to reconcile; children go with the garbage
 * collector). Otherwise make sure the finalizer is there and return the object to go on with.
 */
export async function ensureFinalizer<T extends KubeObject>(
  client: ResourceClient<T>,
  obj: T,
  cleanup: () => Promise<void>,
): Promise<{ done: true } | { done: false; object: T }> {
  if (obj.metadata.deletionTimestamp) {
    if (hasFinalizer(obj, CLEANUP_FINALIZER)) {
      await cleanup();
      try {
        await removeFinalizer(client, obj, CLEANUP_FINALIZER);
      } catch (err) {
        // Already gone: an earlier pass released it and the cache has not caught up.
        if (!isNotFound(err)) throw err;
      }
    }
    return { done: true };
  }
  return { done: false, object: await addFinalizer(client, obj, CLEANUP_FINALIZER) };
}
