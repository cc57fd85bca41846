import type { Destination } from '../../api/index.ts';
import type { ConditionInput } from '../../kube/index.ts';
import type { MappingWarning, PlanRef } from '../../../../runtime/src/mapping/index.ts';
import { formatWarning } from '../../../../runtime/src/mapping/index.ts';

export const MAPPING_CHECKED = 'MappingChecked';
/** How many warnings a condition message spells out; `kubectl describe` has to stay readable. */
const SHOWN = 3;

export type MappingCheck = (spec: Pick<Destination['spec'], 'filter' | 'mapping'>, plans: readonly PlanRef[]) => MappingWarning[];

/**
 * The MappingChecked condition: False (FieldsNotInPlan) when the filter or mapping reads
 * what the TrackingPlans of the Destination's Sources do not define, or compares with a
 * value they rule out. A warning only: Ready does not depend on it, events still flow.
 */
export function mappingCondition(spec: Destination['spec'], plans: readonly PlanRef[], check: MappingCheck): ConditionInput {
  if (plans.length === 0) {
    return { type: MAPPING_CHECKED, status: 'True', reason: 'NoTrackingPlan', message: 'no Source of this Destination has a TrackingPlan to check against' };
  }
  const names = plans.map((p) => p.name).join(', ');
  const warnings = check(spec, plans);
  if (warnings.length === 0) {
    return { type: MAPPING_CHECKED, status: 'True', reason: 'FieldsInPlan', message: `filter and mapping read only what TrackingPlan ${names} defines` };
  }
  const shown = warnings.slice(0, SHOWN).map(formatWarning).join('; ');
  const more = warnings.length > SHOWN ? `; and ${warnings.length - SHOWN} more` : '';
  return { type: MAPPING_CHECKED, status: 'False', reason: 'FieldsNotInPlan', message: `${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${shown}${more}` };
}
