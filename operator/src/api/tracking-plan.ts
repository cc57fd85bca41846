import { Type, type Static } from '@sinclair/typebox';
import { CommonStatus, FreeObject, rules, type Resource } from './common.ts';

export const JsonSchemaObject = (description: string) => FreeObject(`${description} A JSON Schema (draft-07).`);

export const PlannedEvent = Type.Object({
  name: Type.String({
    description: 'The track event name exactly as sent (`event`). Page and screen calls are planned as "Page Viewed" and "Screen Viewed".',
    minLength: 1,
    maxLength: 200,
    ...rules({
      // Explicit characters rather than \s: RE2 (API server) and JavaScript disagree on what \s means.
      rule: "!self.matches('^[ \\t\\n\\r]|[ \\t\\n\\r]$')",
      message: 'event names must not start or end with whitespace',
    }),
  }),
  description: Type.Optional(Type.String({ description: 'What the event means, for people reading the plan.', maxLength: 4096 })),
  properties: Type.Optional(JsonSchemaObject('Schema of the event\'s `properties`.')),
}, { description: 'A planned track event.' });
export type PlannedEvent = Static<typeof PlannedEvent>;

export const TrackingPlanSpec = Type.Object(
  {
    unplannedEvents: Type.Optional(
      Type.Union([Type.Literal('allow'), Type.Literal('block')], {
        description: 'What happens to track events whose name is not in `events`: allow (pass, flagged) or block (quarantined).',
        default: 'allow',
      }),
    ),
    unplannedProperties: Type.Optional(
      Type.Union([Type.Literal('allow'), Type.Literal('omit'), Type.Literal('block')], {
        description: 'Properties or traits the schema does not declare: allow, omit (remove them, listed in context.protocols.omitted) or block the event.',
        default: 'allow',
      }),
    ),
    onViolation: Type.Optional(
      Type.Union([Type.Literal('allow'), Type.Literal('omit'), Type.Literal('block')], {
        description: 'Events that break their schema: allow (pass with context.protocols.violations), omit (drop the offending properties) or block (quarantine).',
        default: 'allow',
      }),
    ),
    common: Type.Optional(
      Type.Object({ jsonSchema: JsonSchemaObject('Applied to the whole event (context, top-level fields).') }, {
        description: 'Rules every event must follow, checked after the per-event rules.',
      }),
    ),
    identify: Type.Optional(Type.Object({ traits: JsonSchemaObject('Schema of identify `traits`.') }, { description: 'Rules for identify calls.' })),
    group: Type.Optional(Type.Object({ traits: JsonSchemaObject('Schema of group `traits`.') }, { description: 'Rules for group calls.' })),
    events: Type.Optional(
      Type.Array(PlannedEvent, {
        description: 'The planned events. Names must be unique.',
        maxItems: 2000,
        // A list map keyed by name: the API server rejects duplicate names itself, in linear time
        // (a CEL uniqueness rule would be quadratic and exceed the cost limit at 2000 items).
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    ),
  },
  { description: 'The schema events must follow and what to do when they do not.' },
);
export type TrackingPlanSpec = Static<typeof TrackingPlanSpec>;

export const TrackingPlanStatus = Type.Object(
  {
    ...CommonStatus,
    eventCount: Type.Optional(Type.Integer({ description: 'Number of planned events.', minimum: 0 })),
    digest: Type.Optional(Type.String({ description: 'Content digest of the compiled plan; changes roll the ingest pods.' })),
    sources: Type.Optional(Type.Array(Type.String(), { description: 'Sources that enforce this plan.', maxItems: 1000 })),
    violations: Type.Optional(Type.Integer({ description: 'Violations across those sources in the recent window.', minimum: 0 })),
  },
  { description: 'Observed state of the TrackingPlan.' },
);
export type TrackingPlanStatus = Static<typeof TrackingPlanStatus>;

export type TrackingPlan = Resource<'TrackingPlan', TrackingPlanSpec, TrackingPlanStatus>;
