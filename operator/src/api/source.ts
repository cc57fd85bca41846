import { Type, type Static } from '@sinclair/typebox';
import { CommonStatus, LocalObjectReference, PositiveDuration, SecretKeyRef, rules, type Resource } from './common.ts';

export const SourceLimits = Type.Object(
  {
    maxEventBytes: Type.Optional(Type.Integer({ description: 'Largest single event, in bytes of JSON.', minimum: 256, maximum: 1048576, default: 32768 })),
    maxBatchBytes: Type.Optional(Type.Integer({ description: 'Largest request body after decompression, in bytes.', minimum: 1024, maximum: 16777216, default: 512000 })),
    maxBatchEvents: Type.Optional(Type.Integer({ description: 'Most events in one batch request.', minimum: 1, maximum: 10000, default: 2500 })),
    requestsPerSecond: Type.Optional(
      Type.Integer({ description: 'Requests per second per ingest replica before answering 429 with Retry-After; 0 means unlimited.', minimum: 0, maximum: 1000000, default: 0 }),
    ),
  },
  {
    description: 'Bounds on what one request may carry. Defaults follow Segment\'s limits.',
    // An empty default lets the API server fill in every limit, so `kubectl get -o yaml` shows them.
    default: {},
    ...rules({
      rule: '!has(self.maxEventBytes) || !has(self.maxBatchBytes) || self.maxEventBytes <= self.maxBatchBytes',
      message: 'maxEventBytes must not exceed maxBatchBytes: a single event has to fit in a request',
    }),
  },
);
export type SourceLimits = Static<typeof SourceLimits>;

export const SourceSpec = Type.Object(
  {
    trackingPlanRef: Type.Optional(LocalObjectReference('The TrackingPlan enforced on this source\'s events. Without one every well-formed event is accepted.')),
    writeKeys: Type.Array(
      Type.Object({ secretRef: SecretKeyRef('Secret holding a write key.', 'writeKey') }, { description: 'A write key, read from a Secret.' }),
      {
        description: 'Write keys SDKs authenticate with. Several keys are accepted at once, for rotation.',
        minItems: 1,
        maxItems: 16,
        // 16 × 16 comparisons at most: cheap enough for the API server's CEL cost limit.
        ...rules({
          // secretRef.key is always set here: defaults are applied before validation.
          rule: 'self.all(w, self.exists_one(v, v.secretRef.name == w.secretRef.name && v.secretRef.key == w.secretRef.key))',
          message: 'writeKeys must not list the same Secret key twice',
        }),
      },
    ),
    onInvalid: Type.Optional(
      Type.Union([Type.Literal('accept'), Type.Literal('reject')], {
        description: 'accept: answer 200 like Segment and handle bad events by the plan; reject: answer 400 listing each event\'s violations.',
        default: 'accept',
      }),
    ),
    cors: Type.Optional(
      Type.Object(
        {
          allowedOrigins: Type.Array(
            Type.String({
              description: 'An origin (scheme://host[:port]) or "*".',
              minLength: 1,
              maxLength: 512,
              ...rules({
                rule: "self == '*' || self.matches('^https?://[^/?#*@ ]+$')",
                message: 'allowedOrigins entries must be "*" or an origin such as https://shop.example.com (scheme, host and optional port; no path)',
              }),
            }),
            {
              description: 'Origins browsers may send from, e.g. https://shop.example.com; "*" allows any.',
              maxItems: 256,
              'x-kubernetes-list-type': 'set',
              default: ['*'],
            },
          ),
        },
        // Spelled out rather than {}: the API server validates a default as written, without nested defaults.
        { description: 'Cross-origin rules for browser SDKs.', default: { allowedOrigins: ['*'] } },
      ),
    ),
    limits: Type.Optional(SourceLimits),
    retention: Type.Optional(
      PositiveDuration('retention', 'How long accepted events stay on the bus: the replay and backfill window.', { default: '168h' }),
    ),
    silenceAfter: Type.Optional(
      PositiveDuration('silenceAfter', 'EventsFlowing turns False when a source that had traffic receives nothing for this long.', { default: '15m' }),
    ),
    replicas: Type.Optional(Type.Integer({ description: 'Ingest pods.', minimum: 0, maximum: 100, default: 2 })),
  },
  { description: 'An ingest endpoint speaking Segment\'s HTTP Tracking API.' },
);
export type SourceSpec = Static<typeof SourceSpec>;

export const ViolationSummary = Type.Object({
  event: Type.String({ description: 'Event name (or call type).' }),
  field: Type.String({ description: 'Field path, e.g. properties.revenue.' }),
  kind: Type.String({ description: 'Violation kind, e.g. type, required, unplanned-property.' }),
  message: Type.String({ description: 'What is wrong.' }),
  count: Type.Integer({ description: 'Occurrences in the recent window.', minimum: 0 }),
  lastSeen: Type.String({ description: 'When last seen.', format: 'date-time' }),
  sampleMessageId: Type.Optional(Type.String({ description: 'messageId of a recent offending event.' })),
}, { description: 'A tracking-plan violation seen recently, with how often.' });
export type ViolationSummary = Static<typeof ViolationSummary>;

export const SourceStatus = Type.Object(
  {
    ...CommonStatus,
    endpoint: Type.Optional(Type.String({ description: 'Base URL SDKs send to.' })),
    readyReplicas: Type.Optional(Type.Integer({ description: 'Ingest pods ready.', minimum: 0 })),
    received: Type.Optional(Type.Integer({ description: 'Events received in the recent window.', minimum: 0 })),
    accepted: Type.Optional(Type.Integer({ description: 'Events accepted onto the bus in the recent window.', minimum: 0 })),
    blocked: Type.Optional(Type.Integer({ description: 'Events quarantined by the plan in the recent window.', minimum: 0 })),
    rejected: Type.Optional(Type.Integer({ description: 'Events refused as malformed in the recent window.', minimum: 0 })),
    lastEventTime: Type.Optional(Type.String({ description: 'When the last event was accepted.', format: 'date-time' })),
    topViolations: Type.Optional(Type.Array(ViolationSummary, { description: 'The most frequent recent violations.', maxItems: 20 })),
  },
  { description: 'Observed state of the Source.' },
);
export type SourceStatus = Static<typeof SourceStatus>;

export type Source = Resource<'Source', SourceSpec, SourceStatus>;
