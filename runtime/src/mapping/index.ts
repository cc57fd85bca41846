/**
 * CEL for Destinations: the one environment and its function library, filters and
 * mappings compiled once, the check of both against a TrackingPlan, and the dry run
 * behind `sluice preview`.
 */
export {
  CelCompileError,
  compileExpression,
  compileFilter,
  compileProgram,
  evaluateExplained,
  formatPath,
  fromCel,
  type CelPosition,
  type CelProgram,
  type EventExpression,
  type EventFilter,
  type Evaluation,
} from './cel.ts';
export { LIBRARY, NoValue, type LibraryFunction } from './library/index.ts';
export {
  compileMapping,
  effectiveMapping,
  MappingCompileError,
  type CompiledMapping,
  type FieldOutcome,
  type Mapping,
  type MappingField,
  type MappingResult,
} from './mapping.ts';
export {
  checkMappingAgainstPlan,
  destinationWarnings,
  formatWarning,
  manifestWarnings,
  type MappingSpec,
  type MappingWarning,
  type MappingWarningKind,
  type PlanRef,
} from './plan-check/index.ts';
