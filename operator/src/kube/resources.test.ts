import { describe, expect, it } from 'vitest';
import { apiVersionOf, resourceName, resourcePath, Resources } from './resources.ts';

describe('resourcePath', () => {
  it.each([
    ['core, namespaced object', Resources.configMaps, { namespace: 'ns', name: 'a' }, '/api/v1/namespaces/ns/configmaps/a'],
    ['core, all namespaces', Resources.pods, {}, '/api/v1/pods'],
    ['group, collection in a namespace', Resources.deployments, { namespace: 'ns' }, '/apis/apps/v1/namespaces/ns/deployments'],
    ['CRD status subresource', Resources.sources, { namespace: 'ns', name: 'web', subresource: 'status' }, '/apis/sluice.dev/v1alpha1/namespaces/ns/sources/web/status'],
    ['cluster-scoped ignores the namespace', Resources.namespaces, { namespace: 'x', name: 'kube-system' }, '/api/v1/namespaces/kube-system'],
    ['names are escaped', Resources.secrets, { namespace: 'ns', name: 'a/b' }, '/api/v1/namespaces/ns/secrets/a%2Fb'],
  ])('%s', (_what, type, parts, want) => {
    expect(resourcePath(type, parts)).toBe(want);
  });

  it('refuses a subresource without a name', () => {
    expect(() => resourcePath(Resources.sources, { subresource: 'status' })).toThrow(/needs an object name/);
  });

  it.each([
    [Resources.leases, 'coordination.k8s.io/v1', 'leases.coordination.k8s.io'],
    [Resources.secrets, 'v1', 'secrets'],
    [Resources.trackingPlans, 'sluice.dev/v1alpha1', 'trackingplans.sluice.dev'],
  ])('names %s', (type, version, name) => {
    expect(apiVersionOf(type)).toBe(version);
    expect(resourceName(type)).toBe(name);
  });
});
