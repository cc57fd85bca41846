import type { CustomResourceDefinition } from '../../../../operator/src/api/crd.ts';
import { compileRules, validateRules } from './cel.ts';
import { fieldError, FieldPath, type FieldError, type FieldErrorType } from './field-error.ts';
import { validateListTypes } from './listtype.ts';
import { validateObjectMeta } from './meta.ts';
import { compileSchema } from './schema.ts';
import { prepare } from './structural.ts';

export interface ValidationResult {
  /** The object as the API server would store it: unknown fields pruned, defaults applied, status dropped. */
  object: Record<string, unknown>;
  errors: FieldError[];
}

export type CustomResourceValidator = (manifest: Record<string, unknown>) => ValidationResult;

/** Errors after which the API server does not run CEL rules (strategy.go hasBlockingErr). */
const BLOCKING = new Set<FieldErrorType>([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

/**
 * Validates a custom resource the way kube-apiserver does on create, with the same
 * messages: strict field validation, null pruning and defaulting, object metadata, the
 * OpenAPI schema, list-type invariants, then the x-kubernetes-validations CEL rules —
 * skipped, with the API server's note, when a blocking error came first. The schema and
 * the rules are compiled once, here.
 */
export function createValidator(crd: CustomResourceDefinition): CustomResourceValidator {
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  if (!version) throw new Error(`compiling the validation of ${crd.metadata.name}: the CRD has no version`);
  const schema = version.schema.openAPIV3Schema;
  const validateSchema = compileSchema(schema);
  const rules = compileRules(schema);
  const kind = crd.spec.names.kind;
  const apiVersion = `${crd.spec.group}/${version.name}`;

  return (manifest) => {
    const object = structuredClone(manifest);
    // The status subresource: status is not part of what a create writes.
    delete object.status;
    const errors: FieldError[] = [];
    if (object.kind !== kind) errors.push(fieldError.invalid(FieldPath.root().child('kind'), object.kind, `must be ${kind}`));
    if (object.apiVersion !== apiVersion) {
      errors.push(fieldError.invalid(FieldPath.root().child('apiVersion'), object.apiVersion, `must be ${apiVersion}`));
    }
    if (errors.length > 0) return { object, errors };

    errors.push(...prepare(object, schema));
    const validation = [...validateObjectMeta(object.metadata), ...validateSchema(object), ...validateListTypes(object, schema)];
    errors.push(...validation);
    if (validation.some((e) => BLOCKING.has(e.type))) {
      errors.push(
        fieldError.invalid(
          FieldPath.root(),
          null,
          'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
        ),
      );
    } else {
      errors.push(...validateRules(rules, object));
    }
    return { object, errors };
  };
}

export { formatFieldError, type FieldError, type PathSegment } from './field-error.ts';
