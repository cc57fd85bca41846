// The kube layer: the only code that talks to the Kubernetes API. Controllers build on
// these pieces. Only library.ts imports @kubernetes/client-node, and only for kubeconfigs
// that need it (exec plugins, auth-providers): the operator in a pod never loads it.
export { loadClusterConfig, chooseConfigSource, type ClusterConfig, type ConfigSource, type LoadOptions } from './config.ts';
export { KubeClient, ResourceClient, type ListOptions, type WatchOptions, type WatchEvent, type Patch, type JsonPatchOp, type ApplyOptions, type DeleteOptions } from './client.ts';
export { Resources, resourceType, resourcePath, resourceName, apiVersionOf, type ResourceType } from './resources.ts';
export { KubeApiError, isNotFound, isConflict, isAlreadyExists, isGone, isInvalid, isTransient, type ApiStatus } from './errors.ts';
export { keyOf, objectKey, splitKey, controllerOf, ownerKeys } from './keys.ts';
export { Cache, type IndexFunc } from './cache.ts';
export { Informer, stripManagedFields, type InformerOptions, type EventHandlers } from './informer.ts';
export { WorkQueue, DEFAULT_QUEUE_BACKOFF, type WorkQueueOptions } from './workqueue.ts';
export { runController, watch, TerminalError, type Controller, type ControllerOptions, type Reconcile, type ReconcileContext, type ReconcileResult, type WatchSource } from './controller.ts';
export { LeaderElector, defaultIdentity, type LeaderElectionOptions } from './leader.ts';
export { DEFAULT_TIMING, type LeaderTiming } from './leader-policy.ts';
export { apply, applyIfChanged, applyIntent, ownerReference, FIELD_MANAGER, APPLIED_DIGEST_ANNOTATION } from './apply.ts';
export { updateStatus, statusEqual, withObservedGeneration } from './status.ts';
export {
  setCondition,
  getCondition,
  removeCondition,
  isTrue,
  setSummary,
  ready,
  progressing,
  stalled,
  type Condition,
  type ConditionInput,
  type Summary,
} from './conditions.ts';
export { EventRecorder, type EventInput, type EventRecorderOptions } from './events.ts';
export { Redactor, REDACTED } from './redact.ts';
export { addFinalizer, removeFinalizer, hasFinalizer } from './finalizers.ts';
export { kubeMetrics, type KubeMetrics } from './metrics.ts';
export { jsonLogger, silentLogger, type Logger, type LogFields } from './log.ts';
export type * from './types.ts';
