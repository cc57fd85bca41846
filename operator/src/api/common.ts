import { Type, type TSchema, type Static } from '@sinclair/typebox';

export const GROUP = 'sluice.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A Go-style duration as Kubernetes and the CLI accept it: 500ms, 10s, 5m, 4h, 1h30m. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

export const Duration = (description: string, extra: Record<string, unknown> = {}) =>
  Type.String({ description, pattern: DURATION_PATTERN, maxLength: 32, ...extra });

export const Name = (description: string) =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$',
  });

export const LocalObjectReference = (description: string) =>
  Type.Object({ name: Name('Name of the object, in the same namespace.') }, { description });

export const SecretKeyRef = (description: string, defaultKey: string) =>
  Type.Object(
    {
      name: Name('Name of the Secret, in the same namespace.'),
      key: Type.Optional(
        Type.String({ description: `Key inside the Secret. Defaults to "${defaultKey}".`, minLength: 1, maxLength: 253, default: defaultKey }),
      ),
    },
    { description },
  );

/** A free-form JSON object (a JSON Schema, destination settings): kept as written. */
export const FreeObject = (description: string) =>
  Type.Record(Type.String(), Type.Unknown(), { description, 'x-kubernetes-preserve-unknown-fields': true });

export const Condition = Type.Object({
  type: Type.String({ description: 'Ready, Reconciling, Stalled, or a kind-specific condition.', maxLength: 316 }),
  status: Type.Union([Type.Literal('True'), Type.Literal('False'), Type.Literal('Unknown')], { description: 'True, False or Unknown.' }),
  reason: Type.String({ description: 'CamelCase reason for the last transition.', maxLength: 1024 }),
  message: Type.String({ description: 'Human-readable detail.', maxLength: 32768 }),
  lastTransitionTime: Type.String({ description: 'When status last changed.', format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ description: 'The generation this condition was computed for.', minimum: 0 })),
});
export type Condition = Static<typeof Condition>;

export const CommonStatus = {
  observedGeneration: Type.Optional(Type.Integer({ description: 'The metadata.generation the status reflects.', minimum: 0 })),
  conditions: Type.Optional(
    Type.Array(Condition, {
      description: 'Ready (summary), Reconciling, Stalled (terminal: the spec must change), and kind-specific conditions.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      maxItems: 16,
    }),
  ),
};

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generation?: number;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface Resource<Kind extends string, Spec, Status> {
  apiVersion: typeof API_VERSION;
  kind: Kind;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

export type { TSchema, Static };
