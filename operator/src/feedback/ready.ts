import type { Condition } from '../api/index.ts';
import { getCondition, setCondition, type ConditionInput } from '../kube/conditions.ts';
import { DELIVERING } from './decide.ts';

/** Ready reasons the feedback owns: their Events come from the feed (DeliveryFailing, DeliveryRecovered). */
export const FEEDBACK_READY_REASONS: ReadonlySet<string> = new Set(['DeliveryFailing']);

/**
 * A Destination whose pods run but cannot deliver is not Ready: Ready=False with the
 * Delivering reason and message, so `kubectl get destinations` shows DeliveryFailing and
 * Argo CD reads Degraded. Reconciling and Stalled stay False: the operator has nothing
 * left to do, the fix (a token, an endpoint) is outside it. Anything short of Ready is
 * left as the controller decided.
 */
export function readyWithDelivery(
  previous: readonly Condition[] | undefined,
  conditions: readonly Condition[] | undefined,
  feed: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const delivering = feed.find((c) => c.type === DELIVERING);
  if (getCondition(list, 'Ready')?.status !== 'True' || delivering?.status !== 'False') return list;
  // Against the Ready written before, not the summary's: still failing keeps its transition time.
  const before = getCondition(previous, 'Ready');
  const input = { type: 'Ready', status: 'False', reason: delivering.reason, message: delivering.message } as const;
  const ready = getCondition(setCondition(before ? [before] : [], input, generation, now), 'Ready');
  return ready ? list.map((c) => (c.type === 'Ready' ? ready : c)) : list;
}
