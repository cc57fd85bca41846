import { describe, expect, it } from 'vitest';
import type { Source } from '../../api/index.ts';
import { ownerReference } from '../../kube/index.ts';
import { endpointOf, renderSourceChildren } from './render.ts';

const source = (replicas?: number): Source => ({
  apiVersion: 'sluice.dev/v1alpha1',
  kind: 'Source',
  metadata: { name: 'web', namespace: 'shop', uid: 'uid-1', generation: 1 },
  spec: { writeKeys: [{ secretRef: { name: 'web-key' } }], ...(replicas !== undefined ? { replicas } : {}) },
});
const render = (s: Source) => renderSourceChildren(s, ownerReference(s), { config: '{}', digest: 'd1', secrets: ['web-key', 'z.key'] }, { image: 'sluice:1', busUrl: 'nats://nats:4222' });

const LABELS = {
  'app.kubernetes.io/name': 'sluice',
  'app.kubernetes.io/instance': 'web',
  'app.kubernetes.io/component': 'ingest',
  'app.kubernetes.io/part-of': 'sluice',
  'app.kubernetes.io/managed-by': 'sluice-operator',
};

describe('renderSourceChildren', () => {
  it('runs sluice ingest with probes, restricted security, no API token and the Secrets mounted one per directory', () => {
    const { deployment } = render(source());
    const pod = deployment.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(deployment.metadata).toMatchObject({ name: 'web-ingest', namespace: 'shop', labels: LABELS });
    expect(deployment.metadata.ownerReferences).toEqual([{ apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', name: 'web', uid: 'uid-1', controller: true, blockOwnerDeletion: true }]);
    expect(deployment.spec).toMatchObject({ replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } });
    expect(deployment.spec!.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'sluice', 'app.kubernetes.io/instance': 'web', 'app.kubernetes.io/component': 'ingest' });
    expect(deployment.spec!.template.metadata).toEqual({ labels: LABELS, annotations: { 'sluice.dev/config-digest': 'd1' } });
    expect(c.args).toEqual(['ingest', '--config', '/etc/sluice/config/config.json', '--secrets-dir', '/etc/sluice/secrets', '--bus', 'nats://nats:4222', '--port', '8080']);
    expect(c.image).toBe('sluice:1');
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/sluice/config', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'secret-0', mountPath: '/etc/sluice/secrets/web-key', readOnly: true },
      { name: 'secret-1', mountPath: '/etc/sluice/secrets/z.key', readOnly: true },
    ]);
    expect(pod.volumes?.map((v) => v.secret?.secretName ?? v.configMap?.name ?? 'emptyDir')).toEqual(['web-ingest', 'emptyDir', 'web-key', 'z.key']);
  });

  it('serves the Source under its own name and reports that endpoint', () => {
    const { service, configMap } = render(source());
    expect(service.metadata.name).toBe('web');
    expect(service.spec?.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec?.selector).toEqual(render(source()).deployment.spec!.selector.matchLabels);
    expect(configMap).toMatchObject({ metadata: { name: 'web-ingest', labels: LABELS }, data: { 'config.json': '{}' } });
    expect(endpointOf(source())).toBe('http://web.shop.svc:80/v1');
  });

  it.each([
    [undefined, 2, true],
    [3, 3, true],
    [1, 1, false],
    [0, 0, false],
  ])('replicas %s: %i pods, PodDisruptionBudget %s', (replicas, pods, pdb) => {
    const out = render(source(replicas));
    expect(out.deployment.spec?.replicas).toBe(pods);
    expect(out.pdb !== undefined).toBe(pdb);
    if (out.pdb) expect(out.pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: out.deployment.spec!.selector.matchLabels } });
  });
});
