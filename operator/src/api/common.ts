import { Type, type TSchema, type Static } from '@sinclair/typebox';

export const GROUP = 'sluice.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A Go-style duration as Kubernetes and the CLI accept it: 500ms, 10s, 5m, 4h, 1h30m. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$';

export const Duration = (description: string, extra: Record<string, unknown> = {}) =>
  Type.String({ description, pattern: DURATION_PATTERN, maxLength: 32, ...extra });

/** A CEL rule with the message the API server (and `sluice validate`) reports when it fails. */
export interface ValidationRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** The rules of one schema node, as the `x-kubernetes-validations` option TypeBox carries through. */
export const rules = (...list: ValidationRule[]) => ({ 'x-kubernetes-validations': list });

/**
 * CEL guard: true when `expr` is a duration the pattern accepts. Rules that call duration()
 * check it first, because the API server still evaluates CEL when only a pattern failed and
 * duration("abc") would fail with an evaluation error instead of the rule's message.
 */
export const isDuration = (expr: string) => `${expr}.matches('^([0-9]+([.][0-9]+)?(ms|s|m|h))+$')`;

/** A duration that must not be zero (a zero timeout or retention is always a mistake). */
export const PositiveDuration = (field: string, description: string, extra: Record<string, unknown> = {}) =>
  Duration(description, {
    ...extra,
    ...rules({ rule: "!self.matches('^(0+([.]0+)?(ms|s|m|h))+$')", message: `${field} must be greater than 0` }),
  });

/** Keys of Secrets and ConfigMaps, as Kubernetes accepts them. */
export const CONFIG_KEY_PATTERN = '^[-._a-zA-Z0-9]+$';

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
        Type.String({
          description: `Key inside the Secret. Defaults to "${defaultKey}".`,
          minLength: 1,
          maxLength: 253,
          pattern: CONFIG_KEY_PATTERN,
          default: defaultKey,
        }),
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
}, { description: 'One aspect of the object\'s state (metav1.Condition).' });
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
