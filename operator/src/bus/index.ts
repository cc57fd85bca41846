export { BusProvisionError, type BusOutcome, type BusProblem, type BusProvisioner } from './types.ts';
export { busEnding, consumersWanted, deliveryAckWaitMs, redactText, redactUrl, retentionMs, withBus } from './decide.ts';
export { NatsProvisioner, type NatsProvisionerOptions } from './provisioner.ts';
export { finishWithBus, provision } from './reconcile.ts';
export { PodsStoppingError, stopWorkloadFirst } from './drain.ts';
