import type { Condition } from '../../api/index.ts';
import { FEEDBACK_READY_REASONS } from '../../feedback/ready.ts';
import {
  getCondition,
  setCondition,
  setSummary,
  TerminalError,
  updateStatus,
  type ConditionInput,
  type EventRecorder,
  type KubeObject,
  type ResourceClient,
  type Summary,
} from '../../kube/index.ts';

interface WithStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

/**
 * The next status: the fields this controller owns set (undefined removes one), every other
 * field kept as it is — the runtime's counts arrive through another writer — and Ready,
 * Reconciling, Stalled from the summary, plus kind-specific conditions.
 */
export function nextStatus<S extends WithStatus>(
  current: S | undefined,
  summary: Summary,
  fields: Partial<S>,
  extra: readonly ConditionInput[],
  generation: number | undefined,
  now: Date,
): S {
  const out: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  let conditions = current?.conditions;
  for (const c of extra) conditions = setCondition(conditions, c, generation, now);
  out.conditions = setSummary(conditions, summary, generation, now);
  return out as S;
}

/** Reasons for Ready=False that are ordinary progress, not trouble: their Events are Normal. */
const PROGRESS_REASONS: ReadonlySet<string> = new Set(['Deploying']);

/** The Event worth recording when the Ready condition moves (status or reason), else undefined. */
export function readyTransition(before: readonly Condition[] | undefined, after: readonly Condition[]): { type: 'Normal' | 'Warning'; reason: string; note: string } | undefined {
  const old = getCondition(before, 'Ready');
  const now = getCondition(after, 'Ready');
  if (!now || (old && old.status === now.status && old.reason === now.reason)) return undefined;
  // The status feed records these moves itself (DeliveryFailing, DeliveryRecovered), with more to say.
  if (FEEDBACK_READY_REASONS.has(now.reason) || (old && FEEDBACK_READY_REASONS.has(old.reason) && now.status === 'True')) return undefined;
  // A new object's first steps are not news (its arrival at Ready is): one Event fewer per
  // object created, which at a thousand objects applied at once is a thousand fewer writes.
  if (!old && PROGRESS_REASONS.has(now.reason)) return undefined;
  const normal = now.status === 'True' || PROGRESS_REASONS.has(now.reason);
  return { type: normal ? 'Normal' : 'Warning', reason: now.reason, note: now.message };
}

/**
 * Writes the status when it differs from the cached one, and records an Event when Ready
 * moved. Throws (retry) when the write fails, e.g. 409 from a stale cache.
 */
export async function writeStatus<T extends KubeObject & { status?: S }, S extends WithStatus>(
  client: ResourceClient<T>,
  obj: T,
  status: S,
  recorder: EventRecorder | undefined,
): Promise<{ written: boolean; object: T }> {
  const { written, object } = await updateStatus(client, obj, status as NonNullable<T['status']>);
  if (written && status.conditions) {
    const t = readyTransition(obj.status?.conditions, status.conditions);
    if (t) recorder?.event(object, { ...t, action: 'Reconcile' });
  }
  return { written, object };
}

/**
 * After the status is written: a Stalled summary ends the reconcile as a TerminalError (no
 * retry; counted and logged once, when it was recorded), anything else as a success.
 */
export function finish(summary: Summary, written: boolean): Record<string, never> {
  if (summary.state === 'stalled' && written) throw new TerminalError(summary.reason, summary.message);
  return {};
}
