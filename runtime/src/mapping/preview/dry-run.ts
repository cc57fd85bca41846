import type { DestinationRuntime } from '../../config.ts';
import type { CompiledDestination } from '../../delivery/compile.ts';
import { consentAllows, integrationsAllow } from '../../delivery/decide.ts';
import { compileDestinationMapping, EMPTY_PAYLOAD_REASON } from '../../delivery/transform.ts';
import type { HttpRequestSpec, OutboundEvent } from '../../delivery/types.ts';
import { isObject, type SegmentEvent } from '../../event.ts';
import type { CompiledPlan, Violation } from '../../plan/types.ts';
import { compileProgram, evaluateExplained } from '../cel.ts';
import type { FieldOutcome } from '../mapping.ts';

/** The steps an event goes through on its way to a destination, in order. */
export type StepName = 'plan' | 'integrations' | 'consent' | 'filter' | 'mapping' | 'function' | 'request';

export interface StepResult {
  step: StepName;
  passed: boolean;
  detail: string;
}

/** What a Destination would do with one event, step by step, without sending anything. */
export interface DryRun {
  messageId: string;
  label: string;
  steps: StepResult[];
  /** The step that stops the event, when one does. */
  droppedAt?: StepName;
  /** Per mapping field: its value or why it is left out. */
  fields?: FieldOutcome[];
  payload?: unknown;
  /** The requests the destination would make for this event alone, secrets masked. */
  requests?: HttpRequestSpec[];
}

export interface DryRunInput {
  event: SegmentEvent;
  /** The tracking plan of the Source the event comes from; its check runs first. */
  plan?: CompiledPlan;
  /** Set for events taken from the quarantine: the plan already blocked them for these. */
  quarantined?: Violation[];
}

/**
 * Runs an event through a compiled Destination the way its delivery worker would —
 * tracking plan (when known), integrations, consent, filter, function and mapping — and
 * asks the client for the requests it would make. Explains every step that stops it.
 */
export async function dryRun(dest: DestinationRuntime, compiled: CompiledDestination, input: DryRunInput): Promise<DryRun> {
  const steps: StepResult[] = [];
  let event = input.event;
  const out: DryRun = { messageId: event.messageId, label: labelOf(event), steps };
  const stop = (step: StepName, detail: string): DryRun => {
    steps.push({ step, passed: false, detail });
    out.droppedAt = step;
    return out;
  };

  if (input.quarantined) {
    steps.push({ step: 'plan', passed: true, detail: `quarantined by the tracking plan (${summarise(input.quarantined)}); shown as if replayed after the plan is fixed` });
  } else if (input.plan) {
    const decision = input.plan.check(event);
    if (decision.action === 'block') return stop('plan', `TrackingPlan ${input.plan.name} blocks it at ingest: ${summarise(decision.violations)}`);
    event = decision.event;
    const flagged = decision.violations.length > 0 ? `, flagged: ${summarise(decision.violations)}` : '';
    const omitted = decision.omitted.length > 0 ? `, omitted: ${decision.omitted.join(', ')}` : '';
    steps.push({ step: 'plan', passed: true, detail: `TrackingPlan ${input.plan.name} allows it${flagged}${omitted}` });
  }

  const { route } = compiled;
  if (!integrationsAllow(event.integrations, route.names)) return stop('integrations', integrationsReason(event.integrations, route.names));
  steps.push({ step: 'integrations', passed: true, detail: integrationsPass(event.integrations, route.names) });

  if (!consentAllows(event, route.consentCategories)) return stop('consent', consentReason(event, route.consentCategories));
  steps.push({ step: 'consent', passed: true, detail: consentPass(event, route.consentCategories) });

  if (dest.spec.filter !== undefined) {
    const r = evaluateExplained(compileProgram(dest.spec.filter), event);
    if (!r.ok) return stop('filter', `the filter yields no value for this event (${r.reason}), which counts as false`);
    if (r.value !== true) return stop('filter', `the filter is ${JSON.stringify(r.value)} for this event`);
    steps.push({ step: 'filter', passed: true, detail: 'the filter is true' });
  }

  const mapping = compileDestinationMapping(dest, compiled.type);
  const fn = dest.functionSource !== undefined;
  const [outcome] = await compiled.transform([event]);
  // With a function, the mapping reads what the function returns, which is not shown on its own.
  if (mapping && !fn) out.fields = mapping.explain(event).fields;
  if (!outcome) return stop('mapping', 'no result for the event');
  if (outcome.kind !== 'payload') {
    const reason = outcome.kind === 'drop' ? outcome.reason : `${outcome.error.kind}: ${outcome.error.message}`;
    const byMapping = !fn || reason === EMPTY_PAYLOAD_REASON || reason.includes('mapping:');
    return stop(byMapping ? 'mapping' : 'function', reason);
  }
  out.payload = outcome.payload;
  if (fn) steps.push({ step: 'function', passed: true, detail: 'the function returned an event' });
  if (mapping && !fn) {
    const omitted = out.fields?.filter((f) => 'omitted' in f).length ?? 0;
    steps.push({ step: 'mapping', passed: true, detail: `${mapping.fields.length - omitted} of ${mapping.fields.length} fields have a value` });
  } else if (mapping) {
    steps.push({ step: 'mapping', passed: true, detail: `${mapping.fields.length} fields mapped from what the function returned` });
  } else if (!fn) {
    steps.push({ step: 'mapping', passed: true, detail: `no mapping: the ${compiled.type.type} destination sends the event as it is` });
  }

  const outbound: OutboundEvent = { messageId: event.messageId, event, payload: outcome.payload };
  if (!compiled.client.preview) {
    steps.push({ step: 'request', passed: true, detail: `the ${compiled.type.type} destination cannot show its requests` });
    return out;
  }
  try {
    out.requests = compiled.client.preview([outbound]);
  } catch (err) {
    return stop('request', `building the request: ${err instanceof Error ? err.message : String(err)}`);
  }
  steps.push({ step: 'request', passed: true, detail: `${out.requests.length} request${out.requests.length === 1 ? '' : 's'}` });
  return out;
}

/** "track Order Completed", "identify", "page Home". */
export function labelOf(e: SegmentEvent): string {
  const what = e.type === 'track' ? e.event : e.type === 'page' || e.type === 'screen' ? e.name : undefined;
  return typeof what === 'string' && what !== '' ? `${e.type} ${JSON.stringify(what)}` : e.type;
}

function summarise(violations: readonly Violation[]): string {
  const shown = violations.slice(0, 3).map((v) => (v.field ? `${v.field}: ${v.description}` : v.description));
  return `${shown.join('; ')}${violations.length > 3 ? `; and ${violations.length - 3} more` : ''}`;
}

function integrationsReason(integrations: unknown, names: readonly string[]): string {
  const off = isObject(integrations) ? names.find((n) => integrations[n] === false) : undefined;
  if (off !== undefined) return `integrations[${JSON.stringify(off)}] is false`;
  return `integrations.All is false and neither ${names.map((n) => JSON.stringify(n)).join(' nor ')} is turned on`;
}

function integrationsPass(integrations: unknown, names: readonly string[]): string {
  const on = isObject(integrations) ? names.find((n) => Boolean(integrations[n])) : undefined;
  return on !== undefined ? `integrations[${JSON.stringify(on)}] turns it on` : 'not turned off';
}

function consentReason(event: SegmentEvent, categories: readonly string[]): string {
  const prefs = (event.context?.consent as { categoryPreferences?: Record<string, unknown> } | undefined)?.categoryPreferences ?? {};
  const missing = categories.filter((c) => prefs[c] !== true);
  return `consent not granted for ${missing.join(', ')} (context.consent.categoryPreferences)`;
}

function consentPass(event: SegmentEvent, categories: readonly string[]): string {
  if (categories.length === 0) return 'the destination requires no consent category';
  return isObject(event.context?.consent) ? `granted: ${categories.join(', ')}` : 'the event carries no consent preferences, so it flows';
}
