import { fieldError, FieldPath, type FieldError } from './field-error.ts';
import { isObject } from './structural.ts';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const LABEL_RE = new RegExp(`^${DNS1123_LABEL}$`);
const SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN}$`);

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";

/** validation.IsDNS1123Subdomain, with its messages. */
export function dns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!SUBDOMAIN_RE.test(value)) errs.push(`${SUBDOMAIN_MSG} (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`);
  return errs;
}

/** validation.IsDNS1123Label, with its messages. */
export function dns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_RE.test(value)) errs.push(`${LABEL_MSG} (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`);
  return errs;
}

/**
 * ValidateObjectMetaAccessor for namespaced objects whose names are DNS subdomains (custom
 * resources, Secrets, ConfigMaps). The namespace may be absent: kubectl fills it in.
 */
export function validateObjectMeta(metadata: unknown): FieldError[] {
  const path = FieldPath.root().child('metadata');
  if (!isObject(metadata)) return [fieldError.required(path.child('name'), 'name or generateName is required')];
  const errors: FieldError[] = [];
  const { name, namespace } = metadata;
  if (typeof name !== 'string' || name.length === 0) {
    errors.push(fieldError.required(path.child('name'), 'name or generateName is required'));
  } else {
    for (const msg of dns1123Subdomain(name)) errors.push(fieldError.invalid(path.child('name'), name, msg));
  }
  if (typeof namespace === 'string' && namespace.length > 0) {
    for (const msg of dns1123Label(namespace)) errors.push(fieldError.invalid(path.child('namespace'), namespace, msg));
  }
  return errors;
}
