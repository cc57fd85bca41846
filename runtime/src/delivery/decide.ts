import { isObject, type SegmentEvent } from '../event.ts';
import type { EventFilter } from '../mapping/cel.ts';
import { formatDuration } from '../util/duration.ts';
import { backoffDelay, type BackoffPolicy } from './backoff.ts';
import type { DeliveryError, FilterReason } from './types.ts';

/** What decides whether an event goes to a destination at all. */
export interface RouteRules {
  /** Keys that address this destination in `integrations`: its name, then its type's display name. */
  names: readonly string[];
  /** Consent categories that must all be granted. */
  consentCategories: readonly string[];
  filter?: EventFilter;
}

export type RouteDecision = { deliver: true } | { deliver: false; reason: Exclude<FilterReason, 'mapping'> };

const DELIVER: RouteDecision = { deliver: true };

/** Integrations object first (the sender's wish), then consent, then the Destination's filter. */
export function routeEvent(event: SegmentEvent, rules: RouteRules): RouteDecision {
  if (!integrationsAllow(event.integrations, rules.names)) return { deliver: false, reason: 'integrations' };
  if (!consentAllows(event, rules.consentCategories)) return { deliver: false, reason: 'consent' };
  if (rules.filter && !rules.filter(event)) return { deliver: false, reason: 'filter' };
  return DELIVER;
}

/**
 * Segment's routing: `integrations[name] === false` turns a destination off; a truthy
 * value (true, an options object) turns it on even under `All: false`; otherwise `All`
 * decides, defaulting to on. The first name set to false or a truthy value wins.
 */
export function integrationsAllow(integrations: unknown, names: readonly string[]): boolean {
  if (!isObject(integrations)) return true;
  for (const name of names) {
    const v = integrations[name];
    if (v === false) return false;
    if (v) return true;
  }
  return integrations.All !== false;
}

/** No consent preferences on the event → it flows; else every required category must be true. */
export function consentAllows(event: SegmentEvent, categories: readonly string[]): boolean {
  if (categories.length === 0) return true;
  const consent = event.context?.consent;
  if (!isObject(consent) || !isObject(consent.categoryPreferences)) return true;
  const prefs = consent.categoryPreferences;
  return categories.every((c) => prefs[c] === true);
}

export interface RetryPolicy extends BackoffPolicy {
  maxAgeMs: number;
}

export type FailureDecision =
  | { action: 'retry'; delayMs: number }
  | { action: 'dead-letter'; reason: string };

/**
 * A failed attempt: permanent kinds dead-letter now; retryable ones back off (or wait as
 * long as Retry-After asks, when longer) until the event is older than maxAge. The last
 * retry is pulled in to land at maxAge, so an event is never held much past it.
 */
export function decideFailure(
  error: DeliveryError,
  ctx: { attempt: number; storedAt: number; now: number; policy: RetryPolicy; random: () => number },
): FailureDecision {
  if (!error.retryable) return { action: 'dead-letter', reason: `${error.kind}: ${error.message}` };
  const age = ctx.now - ctx.storedAt;
  const left = ctx.policy.maxAgeMs - age;
  if (left <= 0) {
    return { action: 'dead-letter', reason: `gave up after ${ctx.attempt} attempts over maxAge ${formatDuration(ctx.policy.maxAgeMs)}: ${error.message}` };
  }
  const delay = Math.max(backoffDelay(ctx.attempt, ctx.policy, ctx.random), error.retryAfterMs ?? 0);
  return { action: 'retry', delayMs: Math.min(delay, left) };
}
