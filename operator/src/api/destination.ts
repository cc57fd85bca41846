import { Type, type Static } from '@sinclair/typebox';
import { CONFIG_KEY_PATTERN, CommonStatus, Duration, FreeObject, LocalObjectReference, Name, PositiveDuration, isDuration, rules, type Resource } from './common.ts';

/** Destination types the runtime implements; a test keeps this list and the registry equal. */
export const DESTINATION_TYPES = ['webhook', 'file', 'meta-capi', 'tiktok', 'slack', 'segment', 'amplitude', 'mixpanel', 'ga4', 'postgres'] as const;
export type DestinationTypeName = (typeof DESTINATION_TYPES)[number];

/** now | a duration | an RFC 3339 time. No backslashes, so it reads the same inside a CEL string. */
export const START_FROM_PATTERN =
  '^(now|([0-9]+([.][0-9]+)?(ms|s|m|h))+|[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))$';

export const DeliverySettings = Type.Object(
  {
    batchSize: Type.Optional(Type.Integer({ description: 'Most events per request (types may cap it lower).', minimum: 1, maximum: 10000, default: 100 })),
    maxInFlight: Type.Optional(Type.Integer({ description: 'Requests in flight at once.', minimum: 1, maximum: 256, default: 8 })),
    timeout: Type.Optional(PositiveDuration('timeout', 'Timeout of one request.', { default: '10s' })),
    maxAge: Type.Optional(PositiveDuration('maxAge', 'How long a failing event is retried before it is dead-lettered.', { default: '4h' })),
    backoff: Type.Optional(
      Type.Object(
        {
          initial: Type.Optional(PositiveDuration('initial', 'First retry delay.', { default: '1s' })),
          max: Type.Optional(Duration('Longest retry delay.', { default: '5m' })),
        },
        {
          description: 'Exponential backoff with jitter between retries.',
          default: {},
          ...rules({
            rule: `!has(self.initial) || !has(self.max) || !${isDuration('self.initial')} || !${isDuration('self.max')} || duration(self.initial) <= duration(self.max)`,
            message: 'initial must not exceed max',
          }),
        },
      ),
    ),
  },
  {
    description: 'Batching, concurrency, timeouts and retries.',
    // An empty default lets the API server fill in every setting, so `kubectl get -o yaml` shows them.
    default: {},
    ...rules({
      rule: `!has(self.timeout) || !has(self.maxAge) || !${isDuration('self.timeout')} || !${isDuration('self.maxAge')} || duration(self.timeout) <= duration(self.maxAge)`,
      message: 'timeout must not exceed maxAge: a request that times out has to be retried at least once',
    }),
  },
);
export type DeliverySettings = Static<typeof DeliverySettings>;

export const DestinationSpec = Type.Object(
  {
    sources: Type.Array(LocalObjectReference('A Source whose events this destination receives.'), {
      description: 'Sources to read from.',
      minItems: 1,
      maxItems: 64,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    }),
    type: Type.Union(
      DESTINATION_TYPES.map((t) => Type.Literal(t)),
      { description: `The destination type: ${DESTINATION_TYPES.join(', ')}. \`sluice destinations\` lists each type's settings.` },
    ),
    settings: Type.Optional(FreeObject('Type-specific settings (URL, pixel id, …), checked against the type\'s settings schema.')),
    credentials: Type.Optional(
      Type.Object({ secretRef: LocalObjectReference('Secret whose keys are the credentials the type needs.') }, {
        description: 'Credentials, only ever read from a Secret.',
      }),
    ),
    filter: Type.Optional(
      Type.String({
        description: 'CEL expression over the event; events for which it is false are skipped, e.g. type == "track" && event in ["Order Completed"].',
        minLength: 1,
        maxLength: 4096,
      }),
    ),
    mapping: Type.Optional(
      Type.Record(Type.String({ maxLength: 256 }), Type.String({ description: 'CEL expression over the event.', minLength: 1, maxLength: 4096 }), {
        description: 'Output field (dotted path) → CEL expression over the event. Types ship default mappings.',
        maxProperties: 256,
        ...rules({
          rule: "self.all(k, size(k) <= 256 && k.matches('^[A-Za-z0-9_$@-]+([.][A-Za-z0-9_$@-]+)*$'))",
          message: "mapping keys must be dotted paths such as user_data.em: names of letters, digits, '_', '-', '$' or '@' joined by single dots",
        }),
      }),
    ),
    function: Type.Optional(
      Type.Object(
        {
          configMapRef: Type.Object({
            name: Name('Name of the ConfigMap.'),
            key: Type.String({ description: 'Key holding the JavaScript source.', minLength: 1, maxLength: 253, pattern: CONFIG_KEY_PATTERN }),
          }, { description: 'ConfigMap holding the function source.' }),
        },
        { description: 'Sandboxed JavaScript run on each event (onTrack, onIdentify, …).' },
      ),
    ),
    consent: Type.Optional(
      Type.Object(
        {
          categories: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
            description: 'Consent categories an event must have granted (context.consent.categoryPreferences) to be delivered.',
            maxItems: 32,
            'x-kubernetes-list-type': 'set',
          }),
        },
        { description: 'Consent required before delivery.' },
      ),
    ),
    delivery: Type.Optional(DeliverySettings),
    startFrom: Type.Optional(
      Type.String({
        description:
          'Where a new destination starts reading: now, a duration back (72h) to backfill from bus history, or an RFC 3339 time. Applies when the delivery consumer of a source is first created; changing it later does not rewind (remove the source from sources and add it back to read history again).',
        maxLength: 64,
        default: 'now',
        // A rule rather than a pattern, so the message says what is accepted.
        ...rules({
          rule: `self.matches('${START_FROM_PATTERN}')`,
          message: 'startFrom must be now, a duration such as 72h, or an RFC 3339 time such as 2024-05-01T00:00:00Z',
        }),
      }),
    ),
    replicas: Type.Optional(Type.Integer({ description: 'Delivery pods.', minimum: 0, maximum: 32, default: 1 })),
  },
  { description: 'Where events go, which ones, and in what shape.' },
);
export type DestinationSpec = Static<typeof DestinationSpec>;

export const LastError = Type.Object({
  time: Type.String({ description: 'When it happened.', format: 'date-time' }),
  code: Type.String({ description: 'HTTP status or error code.' }),
  message: Type.String({ description: 'Redacted error message.' }),
  messageId: Type.Optional(Type.String({ description: 'An affected event.' })),
}, { description: 'The most recent delivery error.' });

export const DestinationStatus = Type.Object(
  {
    ...CommonStatus,
    delivered: Type.Optional(Type.Integer({ description: 'Events delivered in the recent window.', minimum: 0 })),
    filtered: Type.Optional(Type.Integer({ description: 'Events skipped by filter, consent or integrations in the recent window.', minimum: 0 })),
    failed: Type.Optional(Type.Integer({ description: 'Delivery attempts that failed in the recent window.', minimum: 0 })),
    retrying: Type.Optional(Type.Integer({ description: 'Events waiting for a retry.', minimum: 0 })),
    deadLettered: Type.Optional(Type.Integer({ description: 'Events dead-lettered in the recent window.', minimum: 0 })),
    lag: Type.Optional(Type.Integer({ description: 'Events on the bus not yet delivered.', minimum: 0 })),
    p95LatencyMs: Type.Optional(Type.Integer({ description: 'p95 request latency, milliseconds.', minimum: 0 })),
    lastDeliveryTime: Type.Optional(Type.String({ description: 'When an event was last delivered.', format: 'date-time' })),
    lastError: Type.Optional(LastError),
  },
  { description: 'Observed state of the Destination.' },
);
export type DestinationStatus = Static<typeof DestinationStatus>;

export type Destination = Resource<'Destination', DestinationSpec, DestinationStatus>;
