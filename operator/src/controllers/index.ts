import type { ControllerOptions } from '../kube/index.ts';
import type { ControllerDeps } from './common/deps.ts';
import { destinationController } from './destination/index.ts';
import { sourceController } from './source/index.ts';
import { trackingPlanController } from './trackingplan/index.ts';

export type ControllerSpec = Pick<ControllerOptions, 'name' | 'watches' | 'reconcile'>;

/** Every controller the operator runs, listed once. */
export const CONTROLLERS: readonly ((deps: ControllerDeps) => ControllerSpec)[] = [trackingPlanController, sourceController, destinationController];

export { createInformers, startInformers, stopInformers, informersSynced, type Informers } from './informers.ts';
export { CLEANUP_FINALIZER, NO_BUS_JANITOR, type BusJanitor } from './common/cleanup.ts';
export type { ControllerDeps } from './common/deps.ts';
export type { WorkloadSettings } from './common/workload.ts';
