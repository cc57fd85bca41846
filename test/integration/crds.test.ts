// The generated CRDs on a real kube-apiserver: they are accepted (structural, CEL rules
// within the cost limits), and every bad manifest of test/fixtures/manifests/crd is refused
// with exactly the errors `sluice validate` reports for it; valid manifests are stored with
// the defaults the loader applies.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { basename } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crdFor, type KindName } from '../../operator/src/api/crd.ts';
import { CRDS_DIR } from '../../operator/src/api/generate.ts';
import { createValidator, formatFieldError } from '../../runtime/src/manifests/apiserver/index.ts';
import { loadManifests } from '../../runtime/src/manifests/index.ts';
import { parseManifests } from '../../runtime/src/manifests/read.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { expectations, fixture, fixtureFiles } from '../fixtures/manifests/index.ts';

interface Status {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: Array<{ reason: string; message: string; field: string }> };
}

let cp: ControlPlane;

beforeAll(async () => {
  cp = await startControlPlane({ controllerManager: false });
  await cp.kubectlOk(['apply', '--server-side', '-f', CRDS_DIR]);
  await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sources.sluice.dev', 'crd/destinations.sluice.dev', 'crd/trackingplans.sluice.dev']);
});

afterAll(async () => {
  await cp?.stop();
});

/** POSTs an object the way kubectl create does (strict field validation) and returns the Status. */
function create(plural: string, body: unknown): Promise<{ status: number; body: Status }> {
  const url = new URL(`/apis/sluice.dev/v1alpha1/namespaces/default/${plural}?fieldValidation=Strict`, cp.server);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca: cp.ca, cert: cp.clientCert, key: cp.clientKey, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Status }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The API server's errors as `field: message` lines, strict-decoding errors included. */
function serverLines(status: Status): string[] {
  if (status.reason === 'BadRequest') {
    const strict = /strict decoding error: (.*)$/.exec(status.message ?? '');
    return [...(strict?.[1] ?? status.message ?? '').matchAll(/unknown field "([^"]+)"/g)].map((m) => `${m[1]}: unknown field "${m[1]}"`);
  }
  return (status.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
}

const PLURAL: Record<string, string> = { Source: 'sources', Destination: 'destinations', TrackingPlan: 'trackingplans' };

describe('the CRDs on kube-apiserver', () => {
  it('are served, with short names, the sluice category and printer columns', async () => {
    const out = await cp.kubectlOk(['api-resources', '--api-group=sluice.dev', '--no-headers']);
    expect(out).toMatch(/^destinations\s+dst\s+sluice\.dev\/v1alpha1\s+true\s+Destination$/m);
    expect(out).toMatch(/^sources\s+src\s+sluice\.dev\/v1alpha1\s+true\s+Source$/m);
    expect(out).toMatch(/^trackingplans\s+tp\s+sluice\.dev\/v1alpha1\s+true\s+TrackingPlan$/m);
    // The OpenAPI document kubectl explain reads is published a moment after the CRD is established.
    let explain = '';
    for (let i = 0; i < 60 && !explain.includes('Largest single event'); i++) {
      explain = (await cp.kubectl(['explain', 'source.spec.limits.maxEventBytes'])).stdout;
      if (!explain.includes('Largest single event')) await new Promise((r) => setTimeout(r, 500));
    }
    expect(explain).toContain('Largest single event, in bytes of JSON.');
  });

  it.each(fixtureFiles('crd').map((file) => ({ name: basename(file), file })))(
    'refuse $name with the errors local validation gives',
    async ({ file }) => {
      const [object] = parseManifests(file, readFileSync(file, 'utf8')).objects;
      const manifest = object!.value as Record<string, unknown>;
      const local = createValidator(crdFor(manifest.kind as KindName))(manifest).errors.map(formatFieldError);
      const res = await create(PLURAL[manifest.kind as string]!, manifest);
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
      expect(serverLines(res.body).sort()).toEqual([...local].sort());
      expect(local.sort()).toEqual([...expectations(file).exact].sort());
    },
  );

  it('kubectl reads the fixtures as the loader does (YAML 1.1) and prints the same errors', async () => {
    for (const file of fixtureFiles('crd')) {
      const r = await cp.kubectl(['create', '--dry-run=server', '-f', file]);
      expect(r.code, `${basename(file)} was accepted`).not.toBe(0);
      for (const line of expectations(file).exact) {
        // Strict decoding errors print without the field prefix.
        const shown = line.includes(': unknown field "') ? line.slice(line.indexOf('unknown field')) : line;
        expect(r.stderr, basename(file)).toContain(shown);
      }
    }
  });

  it('store the valid set with the defaults the loader applies', async () => {
    const loaded = await loadManifests([fixture('valid')]);
    expect(loaded.problems).toEqual([]);
    const out = await cp.kubectlOk(['create', '--dry-run=server', '-o', 'yaml', ...loaded.files.flatMap((f) => ['-f', f])]);
    const stored = parseAllDocuments(out).flatMap((d) => {
      const v = d.toJS() as { kind: string; items?: unknown[] };
      return (v.kind === 'List' ? v.items ?? [] : [v]) as Array<{ kind: string; metadata: { name: string }; spec?: unknown }>;
    });
    const specOf = (kind: string, name: string) => stored.find((o) => o.kind === kind && o.metadata.name === name)?.spec;
    const local = [
      ...loaded.resources.sources.map((p) => p.resource),
      ...loaded.resources.destinations.map((p) => p.resource),
      ...loaded.resources.trackingPlans.map((p) => p.resource),
    ];
    expect(local).toHaveLength(5);
    for (const r of local) expect(r.spec, `${r.kind}/${r.metadata.name}`).toEqual(specOf(r.kind, r.metadata.name));
  });
});
