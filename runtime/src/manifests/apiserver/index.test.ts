import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdFor, type KindName } from '../../../../operator/src/api/crd.ts';
import { expectations, fixtureFiles } from '../../../../test/fixtures/manifests/index.ts';
import { parseManifests } from '../read.ts';
import { createValidator, formatFieldError } from './index.ts';

const validate = (obj: Record<string, unknown>) => createValidator(crdFor(obj.kind as KindName))(obj);

/**
 * One custom resource per fixture, with the errors kube-apiserver gives for it (the
 * control-plane test applies the same files to a real one and expects the same lines).
 */
describe('custom resources are rejected with the API server\'s messages', () => {
  it.each(fixtureFiles('crd').map((file) => ({ name: basename(file), file })))('$name', ({ file }) => {
    const { objects, problems } = parseManifests(file, readFileSync(file, 'utf8'));
    expect(problems).toEqual([]);
    expect(objects).toHaveLength(1);
    const { errors } = validate(objects[0]!.value as Record<string, unknown>);
    const expected = expectations(file).exact;
    expect(expected.length).toBeGreaterThan(0);
    expect(errors.map(formatFieldError).sort()).toEqual([...expected].sort());
  });
});

describe('what the API server does before validating', () => {
  const source = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Source',
    metadata: { name: 'web' },
    spec: { writeKeys: [{ secretRef: { name: 'k' } }], ...spec },
    ...extra,
  });

  it('applies defaults, nested ones inside defaulted objects included', () => {
    const { object, errors } = validate(source({}));
    expect(errors).toEqual([]);
    expect(object.spec).toEqual({
      writeKeys: [{ secretRef: { name: 'k', key: 'writeKey' } }],
      onInvalid: 'accept',
      cors: { allowedOrigins: ['*'] },
      limits: { maxEventBytes: 32768, maxBatchBytes: 512000, maxBatchEvents: 2500, requestsPerSecond: 0 },
      retention: '168h',
      silenceAfter: '15m',
      replicas: 2,
    });
  });

  it('replaces nulls by defaults and drops nulls without one', () => {
    const { object, errors } = validate(source({ replicas: null, trackingPlanRef: null, limits: { maxEventBytes: null } }));
    expect(errors).toEqual([]);
    const spec = object.spec as Record<string, unknown>;
    expect(spec.replicas).toBe(2);
    expect('trackingPlanRef' in spec).toBe(false);
    expect(spec.limits).toMatchObject({ maxEventBytes: 32768 });
  });

  it('drops status (a subresource) and keeps the manifest untouched', () => {
    const manifest = source({}, { status: { received: 'lots' } });
    const { object, errors } = validate(manifest);
    expect(errors).toEqual([]);
    expect(object.status).toBeUndefined();
    expect(manifest.status).toEqual({ received: 'lots' });
  });

  it('reports unknown metadata fields and keeps free-form fields', () => {
    const { errors, object } = validate({
      apiVersion: 'sluice.dev/v1alpha1',
      kind: 'TrackingPlan',
      metadata: { name: 'p', labels: { a: 'b' }, owner: 'me' },
      spec: { events: [{ name: 'E', properties: { type: 'object', 'x-anything': [1] } }] },
    });
    expect(errors.map(formatFieldError)).toEqual(['metadata.owner: unknown field "metadata.owner"']);
    expect(object.spec).toMatchObject({ events: [{ name: 'E', properties: { type: 'object', 'x-anything': [1] } }] });
  });

  it('requires the kind and version it validates', () => {
    const { errors } = createValidator(crdFor('Source'))({ ...source({}), apiVersion: 'sluice.dev/v1' });
    expect(errors.map(formatFieldError)).toEqual(['apiVersion: Invalid value: "sluice.dev/v1": must be sluice.dev/v1alpha1']);
  });

  it('requires a metadata.name, as kubectl apply does', () => {
    const { errors } = validate({ ...source({}), metadata: {} });
    expect(errors.map(formatFieldError)).toContain('metadata.name: Required value: name or generateName is required');
  });
});
