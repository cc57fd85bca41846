import type { QuarantineInput } from '../bus/types.ts';
import type { JsonObject, SegmentEvent } from '../event.ts';
import type { CompiledPlan, Violation } from '../plan/types.ts';
import { mergeBatchFields, type Envelope } from './batch.ts';
import { EVENT_CODES, type EventCode, type EventProblem } from './codes.ts';
import { normaliseEvent, type RequestFacts } from './normalise.ts';
import { checkEvent } from './validate.ts';

export interface Rejection {
  index: number;
  code: EventCode;
  field: string;
  event: string | undefined;
  messageId: string | undefined;
}

export interface Flagged {
  event: SegmentEvent;
  violations: Violation[];
  blocked: boolean;
}

/** What becomes of each event in a request. */
export interface Admission {
  received: number;
  publish: SegmentEvent[];
  quarantine: QuarantineInput[];
  /** Request position of each quarantine entry. */
  quarantineIndex: number[];
  rejected: Rejection[];
  /** Events carrying violations, allowed or blocked: for metrics and the violation sampler. */
  flagged: Flagged[];
}

export interface AdmitInput {
  envelope: Envelope;
  facts: RequestFacts;
  /** Size of each batch item as sent (from scanJson); undefined for single-event requests. */
  itemBytes: number[] | undefined;
  maxEventBytes: number;
  plan: CompiledPlan | undefined;
}

/** Decides every event of a request: malformed → rejected; else normalised and run past the plan. */
export function admit(input: AdmitInput): Admission {
  const { envelope, facts, itemBytes, maxEventBytes, plan } = input;
  const out: Admission = { received: envelope.items.length, publish: [], quarantine: [], quarantineIndex: [], rejected: [], flagged: [] };
  const items = envelope.items;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (itemBytes !== undefined && (itemBytes[index] ?? 0) > maxEventBytes) {
      out.rejected.push(rejection(index, item, 'event_too_large', ''));
      continue;
    }
    if (envelope.context !== undefined || envelope.integrations !== undefined) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) mergeBatchFields(item as JsonObject, envelope.context, envelope.integrations);
    }
    const bad = checkEvent(item, envelope.type);
    if (bad) {
      out.rejected.push(rejection(index, item, bad.code, bad.field));
      continue;
    }
    const event = normaliseEvent(item as JsonObject, facts);
    if (!plan) {
      out.publish.push(event);
      continue;
    }
    const decision = plan.check(event);
    if (decision.violations.length > 0) out.flagged.push({ event, violations: decision.violations, blocked: decision.action === 'block' });
    if (decision.action === 'allow') {
      out.publish.push(decision.event);
    } else {
      // Quarantine keeps the event as received, so it can be replayed once the plan is fixed.
      out.quarantine.push({ event, violations: decision.violations });
      out.quarantineIndex.push(index);
    }
  }
  return out;
}

function rejection(index: number, item: unknown, code: EventCode, field: string): Rejection {
  const o = item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as JsonObject) : undefined;
  return { index, code, field, event: eventName(o), messageId: typeof o?.messageId === 'string' ? o.messageId.slice(0, 100) : undefined };
}

function eventName(o: JsonObject | undefined): string | undefined {
  if (!o) return undefined;
  if (typeof o.event === 'string') return o.event.slice(0, 200);
  return typeof o.type === 'string' ? o.type.slice(0, 20) : undefined;
}

/** The problems a 400 `invalid_events` answer lists, at most `limit` of them, in request order. */
export function problemsOf(a: Admission, limit: number): EventProblem[] {
  const problems: EventProblem[] = [];
  for (const r of a.rejected) {
    problems.push({ index: r.index, event: r.event, messageId: r.messageId, field: r.field, kind: r.code, message: EVENT_CODES[r.code] });
  }
  a.quarantine.forEach((q, i) => {
    for (const v of q.violations) {
      problems.push({
        index: a.quarantineIndex[i] ?? -1,
        event: eventName(q.event),
        messageId: q.event.messageId,
        field: v.field,
        kind: v.kind,
        message: v.description,
      });
    }
  });
  problems.sort((x, y) => x.index - y.index);
  return problems.length > limit ? problems.slice(0, limit) : problems;
}
