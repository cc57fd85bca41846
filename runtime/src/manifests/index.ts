import { API_VERSION, type Destination, type Source, type TrackingPlan } from '../../../operator/src/api/index.ts';
import { crdFor, type KindName } from '../../../operator/src/api/crd.ts';
import { createValidator, type CustomResourceValidator } from './apiserver/index.ts';
import { isObject } from './apiserver/structural.ts';
import { assemble } from './assemble.ts';
import { decodeConfigMap, decodeSecret, type KeyValues } from './core.ts';
import { fromFieldError, sortProblems, type Declared } from './problems.ts';
import { readManifests, type ManifestObject } from './read.ts';
import { checkDuplicates, checkNamespaces, checkReferences, type Catalog } from './references.ts';
import type { LoadResult, Note, Parsed, Problem, Resources } from './types.ts';

export { formatProblems } from './problems.ts';
export type { KeysOnly, LoadResult, Note, Parsed, Problem, Resources } from './types.ts';

const CUSTOM_KINDS: readonly KindName[] = ['Source', 'Destination', 'TrackingPlan'];

let validators: Map<string, CustomResourceValidator> | undefined;

/** The CRD schemas and CEL rules compile once per process, on first use. */
function validatorFor(kind: KindName): CustomResourceValidator {
  validators ??= new Map(CUSTOM_KINDS.map((k) => [k, createValidator(crdFor(k))]));
  const v = validators.get(kind);
  if (!v) throw new Error(`validating ${kind}: no validator`);
  return v;
}

/**
 * Reads the same manifests a cluster would get and checks them the way it would: each
 * Source, Destination and TrackingPlan against its CRD's schema and CEL rules (with the API
 * server's messages), Secrets and ConfigMaps as the core API reads them; then what only the
 * whole set shows (missing references, duplicate names, shared write keys) and what only
 * compiling shows (plan schemas, CEL, destination settings). Every problem is collected.
 */
export async function loadManifests(paths: string[]): Promise<LoadResult> {
  const read = await readManifests(paths);
  const problems: Problem[] = [...read.problems];
  const notes: Note[] = [];
  const all: Declared<unknown>[] = [];
  const catalog: Catalog = {
    sources: [],
    destinations: [],
    plans: [],
    secrets: [],
    configMaps: [],
    invalid: { sources: [], destinations: [] },
    declared: new Map(),
  };

  for (const at of read.objects) {
    const found = classify(at);
    if (found.note) notes.push(found.note);
    if (found.problem) problems.push(found.problem);
    if (!found.kind) continue;
    const value = at.value as Record<string, unknown>;
    const meta = isObject(value.metadata) ? value.metadata : {};
    const origin = { at, kind: found.kind, name: typeof meta.name === 'string' ? meta.name : '' };
    const namespace = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : undefined;
    all.push({ ...origin, ...(namespace ? { namespace } : {}), resource: undefined });
    if (origin.name) {
      const names = catalog.declared.get(found.kind) ?? new Set<string>();
      names.add(origin.name);
      catalog.declared.set(found.kind, names);
    }

    if (found.kind === 'Secret' || found.kind === 'ConfigMap') {
      const decoded = found.kind === 'Secret' ? decodeSecret(value) : decodeConfigMap(value);
      problems.push(...decoded.errors.map((e) => fromFieldError(origin, e)));
      if (decoded.value) (found.kind === 'Secret' ? catalog.secrets : catalog.configMaps).push({ ...origin, resource: decoded.value });
      continue;
    }
    const { object, errors } = validatorFor(found.kind)(value);
    problems.push(...errors.map((e) => fromFieldError(origin, e)));
    const d = { ...origin, ...(namespace ? { namespace } : {}) };
    if (errors.length > 0) {
      if (found.kind === 'Source') catalog.invalid.sources.push({ ...d, resource: object });
      else if (found.kind === 'Destination') catalog.invalid.destinations.push({ ...d, resource: object });
      continue;
    }
    if (found.kind === 'Source') catalog.sources.push({ ...d, resource: object as unknown as Source });
    else if (found.kind === 'Destination') catalog.destinations.push({ ...d, resource: object as unknown as Destination });
    else catalog.plans.push({ ...d, resource: object as unknown as TrackingPlan });
  }

  problems.push(...checkDuplicates(all), ...checkNamespaces(all), ...checkReferences(catalog));
  const { config, problems: compileProblems } = assemble(catalog);
  problems.push(...compileProblems);

  return {
    config,
    problems: sortProblems(problems, read.files),
    notes,
    resources: resources(catalog),
    files: read.files,
  };
}

type Kind = KindName | 'Secret' | 'ConfigMap';

/** Which of the kinds Sluice reads an object is; anything else is ignored with a note. */
function classify(at: ManifestObject): { kind?: Kind; note?: Note; problem?: Problem } {
  const value = at.value;
  const here = { file: at.file, line: at.line, kind: '', name: '', path: '' };
  if (!isObject(value)) return { problem: { ...here, message: 'not a Kubernetes object: expected a mapping with apiVersion, kind and metadata' } };
  const { apiVersion, kind } = value;
  const meta = isObject(value.metadata) ? value.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  const missing = [apiVersion ? '' : 'apiVersion not set', kind ? '' : 'kind not set'].filter(Boolean);
  if (missing.length > 0) return { problem: { ...here, name, message: `error validating data: [${missing.join(', ')}]` } };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return { problem: { ...here, name, message: 'apiVersion and kind must be strings' } };
  }
  if (apiVersion === API_VERSION && (CUSTOM_KINDS as readonly string[]).includes(kind)) return { kind: kind as KindName };
  if (apiVersion === 'v1' && (kind === 'Secret' || kind === 'ConfigMap')) return { kind };
  if (apiVersion.split('/')[0] === API_VERSION.split('/')[0] || (CUSTOM_KINDS as readonly string[]).includes(kind)) {
    // kubectl's words when the cluster has no such kind.
    return { problem: { ...here, kind, name, message: `no matches for kind "${kind}" in version "${apiVersion}"` } };
  }
  return { note: { file: at.file, line: at.line, kind, name, message: `ignored: Sluice reads ${API_VERSION} ${CUSTOM_KINDS.join(', ')} and v1 Secret, ConfigMap` } };
}

function resources(c: Catalog): Resources {
  const parsed = <T>(d: Declared<T>): Parsed<T> => ({ file: d.at.file, line: d.at.line, ...(d.namespace ? { namespace: d.namespace } : {}), resource: d.resource });
  const keysOnly = (d: Declared<KeyValues>) => parsed({ ...d, resource: { name: d.name, keys: [...d.resource.data.keys()] } });
  return {
    sources: c.sources.map(parsed),
    destinations: c.destinations.map(parsed),
    trackingPlans: c.plans.map(parsed),
    secrets: c.secrets.map(keysOnly),
    configMaps: c.configMaps.map(keysOnly),
  };
}

