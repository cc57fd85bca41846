import type { Summary } from '../kube/index.ts';
import { finish } from '../controllers/common/status.ts';
import { busEnding } from './decide.ts';
import { BusProvisionError, type BusOutcome, type BusProvisioner } from './types.ts';

/** Runs one provisioning step of a reconcile; its failure becomes the outcome, not an exception. */
export async function provision(bus: BusProvisioner | undefined, step: (bus: BusProvisioner) => Promise<{ missingSources: string[] } | void>): Promise<BusOutcome> {
  if (!bus) return { state: 'off' };
  try {
    const r = await step(bus);
    return r ? { state: 'ok', missingSources: r.missingSources } : { state: 'ok' };
  } catch (err) {
    if (err instanceof BusProvisionError) return { state: 'failed', reason: err.reason, message: err.message };
    throw err;
  }
}

/** `finish`, then the bus: a failure retries with backoff, missing source streams come back soon. */
export function finishWithBus(summary: Summary, written: boolean, bus: BusOutcome): { requeueAfterMs?: number } {
  const result = finish(summary, written);
  const end = busEnding(bus);
  if (!end) return result;
  if ('error' in end) throw end.error;
  return { requeueAfterMs: end.requeueAfterMs };
}
