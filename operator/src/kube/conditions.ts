import type { Condition } from '../api/common.ts';

export type { Condition };
export type ConditionStatus = Condition['status'];

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  /** CamelCase. */
  reason: string;
  message: string;
}

/** metav1.Time has whole seconds; writing milliseconds would make every comparison differ. */
export const conditionTime = (now: Date): string => now.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export const isTrue = (conditions: readonly Condition[] | undefined, type: string): boolean => getCondition(conditions, type)?.status === 'True';

/**
 * Sets one condition, keeping the others and their order. `lastTransitionTime` moves only
 * when `status` flips, so it answers "since when": reason and message follow the latest
 * reconcile either way.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: old && old.status === input.status ? old.lastTransitionTime : conditionTime(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * The kstatus summary of a reconcile: ready (done, healthy), progressing (work under way or
 * waiting for something that will appear: Reconciling=True), or stalled (the spec must
 * change: Stalled=True, kstatus "Failed").
 */
export interface Summary {
  state: 'ready' | 'progressing' | 'stalled';
  reason: string;
  message: string;
}

export const ready = (reason: string, message: string): Summary => ({ state: 'ready', reason, message });
export const progressing = (reason: string, message: string): Summary => ({ state: 'progressing', reason, message });
export const stalled = (reason: string, message: string): Summary => ({ state: 'stalled', reason, message });

/**
 * Sets Ready, Reconciling and Stalled together so they never contradict each other:
 * exactly one of "Ready=True", "Reconciling=True", "Stalled=True" holds, and the others are
 * False with the same reason and message, so `kubectl describe` explains each.
 */
export function setSummary(conditions: readonly Condition[] | undefined, summary: Summary, generation: number | undefined, now: Date): Condition[] {
  const { reason, message } = summary;
  const flag = (on: boolean): ConditionStatus => (on ? 'True' : 'False');
  let out = setCondition(conditions, { type: 'Ready', status: flag(summary.state === 'ready'), reason, message }, generation, now);
  out = setCondition(out, { type: 'Reconciling', status: flag(summary.state === 'progressing'), reason, message }, generation, now);
  out = setCondition(out, { type: 'Stalled', status: flag(summary.state === 'stalled'), reason, message }, generation, now);
  return out;
}
