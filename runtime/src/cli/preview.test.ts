import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests } from '../manifests/index.ts';
import { startPipeline, type Pipeline } from './pipeline.ts';
import { runPreview } from './preview.ts';
import { createRuntimeServer, listen } from './server.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-preview-cli-'));
const SECRET = 'hook-token-7f3a9c';
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const sourceYaml = write(
  'source.yaml',
  `apiVersion: v1
kind: Secret
metadata: {name: web-key}
stringData: {writeKey: preview-key}
---
apiVersion: sluice.dev/v1alpha1
kind: TrackingPlan
metadata: {name: storefront}
spec:
  onViolation: block
  events:
    - name: Order Completed
      properties: {type: object, required: [revenue], properties: {revenue: {type: number}}}
---
apiVersion: sluice.dev/v1alpha1
kind: Source
metadata: {name: web}
spec:
  trackingPlanRef: {name: storefront}
  writeKeys: [{secretRef: {name: web-key}}]
`,
);
const hookYaml = write(
  'hook.yaml',
  `apiVersion: v1
kind: Secret
metadata: {name: hook-secrets}
stringData: {token: ${SECRET}}
---
apiVersion: sluice.dev/v1alpha1
kind: Destination
metadata: {name: hook}
spec:
  sources: [{name: web}]
  type: webhook
  settings: {url: "http://127.0.0.1:9/hook", headersFromSecret: {X-Token: token}}
  credentials: {secretRef: {name: hook-secrets}}
  filter: 'type == "track"'
  mapping:
    name: event
    value: properties.revenue
`,
);
const orderJson = write('order.json', JSON.stringify({ type: 'track', event: 'Order Completed', userId: 'u1', properties: { revenue: 42.5 } }));

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s, 0, '127.0.0.1');
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function preview(args: Record<string, unknown>, stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await runPreview(
    { url: 'http://127.0.0.1:8080', output: 'text', 'from-quarantine': false, ...args },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), readStdin: () => Promise.resolve(stdin) },
  );
  return { code, stdout, stderr };
}

describe('sluice preview', () => {
  it('prints each step, the mapping and the request, the secret masked', async () => {
    const r = await preview({ file: [hookYaml, sourceYaml], event: [orderJson] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Destination hook (webhook) ← web');
    expect(r.stdout).toContain('✓ plan: TrackingPlan storefront allows it');
    expect(r.stdout).toContain('✓ filter: the filter is true');
    expect(r.stdout).toContain('    POST http://127.0.0.1:9/hook');
    expect(r.stdout).toContain('    X-Token: ***');
    expect(r.stdout).toContain('"value": 42.5');
    expect(r.stdout).toContain('1 of 1 event would be sent.');
    expect(r.stdout).not.toContain(SECRET);
  });

  it('reads events from stdin and prints JSON', async () => {
    const r = await preview({ file: [hookYaml], event: ['-'], output: 'json' }, `${JSON.stringify({ type: 'identify', userId: 'u1' })}\n${JSON.stringify({ type: 'track', event: 'A', userId: 'u1' })}`);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { results: Array<{ droppedAt?: string; payload?: unknown }> };
    expect(report.results.map((x) => x.droppedAt ?? 'sent')).toEqual(['filter', 'sent']);
    expect(report.results[1]?.payload).toEqual({ name: 'A' });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no manifests', { event: [orderJson] }, /no manifests given/],
    ['no events', { file: [hookYaml] }, /no events given/],
    ['a bad --sample', { file: [hookYaml], sample: '0' }, /--sample must be a whole number from 1 to 100/],
    ['a bad --output', { file: [hookYaml], event: [orderJson], output: 'yaml' }, /--output must be text or json/],
    ['stdin twice', { file: [hookYaml], event: ['-', '-'] }, /can be given once/],
  ])('exits 2 with usage on %s', async (_name, args, message) => {
    const r = await preview(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: sluice preview');
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a missing event file', { event: [join(dir, 'nope.json')] }, /reading events from .*nope\.json: no such file/],
    ['an event file that is not JSON', { event: [write('bad.json', '{"type": "track",')] }, /not JSON/],
    ['a Source the Destination does not read', { event: [orderJson], source: 'app' }, /does not read Source "app"; it reads web/],
    ['manifests without a Destination', { file: [sourceYaml], event: [orderJson] }, /no valid Destination/],
    ['a running sluice run that is not there', { sample: '3', url: 'http://127.0.0.1:PORT' }, /reading recent events from http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED; is 'sluice run' serving there\?/],
  ])('exits 1 with the reason on %s', async (_name, args, message) => {
    const url = typeof args.url === 'string' ? args.url.replace('PORT', String(await closedPort())) : undefined;
    const r = await preview({ file: [hookYaml], ...args, ...(url ? { url } : {}) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('sluice preview against a running pipeline', () => {
  let pipeline: Pipeline;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const loaded = await loadManifests([sourceYaml]);
    expect(loaded.problems).toEqual([]);
    pipeline = await startPipeline(loaded.config, { dataDir: join(dir, 'data') });
    server = createRuntimeServer({ metrics: pipeline.metrics, ingest: pipeline.ingest, status: () => pipeline.status(), ready: () => true });
    url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    const auth = `Basic ${Buffer.from('preview-key:').toString('base64')}`;
    const send = (body: unknown) => fetch(`${url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await send({
      batch: [
        { type: 'track', event: 'Order Completed', userId: 'u1', messageId: 'good-1', properties: { revenue: 10 } },
        { type: 'track', event: 'Order Completed', userId: 'u2', messageId: 'blocked-1', properties: { revenue: 'ten' } },
        { type: 'track', event: 'Order Completed', userId: 'u3', messageId: 'good-2', properties: { revenue: 30 } },
      ],
    });
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    server.close();
    await pipeline.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('previews the last events a Source stored, oldest first', async () => {
    const r = await preview({ file: [hookYaml, sourceYaml], sample: '5', url, output: 'json' });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { notes: string[]; results: Array<{ messageId: string; payload?: unknown }> };
    expect(report.results.map((x) => [x.messageId, x.payload])).toEqual([
      ['good-1', { name: 'Order Completed', value: 10 }],
      ['good-2', { name: 'Order Completed', value: 30 }],
    ]);
    expect(report.notes).toContain(`2 events from the events stored of Source "web" at ${url}`);
  });

  it('takes only as many as asked', async () => {
    const r = await preview({ file: [hookYaml], sample: '1', url, output: 'json' });
    expect((JSON.parse(r.stdout) as { results: Array<{ messageId: string }> }).results.map((x) => x.messageId)).toEqual(['good-2']);
  });

  it('previews quarantined events as if replayed, saying why they were quarantined', async () => {
    const r = await preview({ file: [hookYaml, sourceYaml], 'from-quarantine': true, url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('(messageId blocked-1)');
    expect(r.stdout).toMatch(/✓ plan: quarantined by the tracking plan \(properties\.revenue: .*\); shown as if replayed after the plan is fixed/);
    expect(r.stdout).toContain('"value": "ten"');
  });

  it('answers the recent-events endpoint with clear errors', async () => {
    const unknown = await fetch(`${url}/events/recent?source=app&n=1`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'reading recent events: no source "app"' });
    const bad = await fetch(`${url}/events/recent?source=web&n=1000`);
    expect(bad.status).toBe(400);
  });
});
