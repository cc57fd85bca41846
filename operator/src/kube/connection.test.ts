import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterConfig } from './config.ts';
import { Connection } from './connection.ts';
import type { Endpoint } from './kubeconfig.ts';
import { Transport } from './transport.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const endpoint = (e: Partial<Endpoint>): Endpoint => ({ server: 'https://127.0.0.1:1', namespace: 'default', insecure: false, auth: { kind: 'none' }, ...e });

describe('Connection', () => {
  it('re-reads a token file once the token is a minute old, and keeps the last one while the file is missing', async () => {
    const path = join(dir, 'token');
    writeFileSync(path, 'first\n');
    let now = 0;
    const c = new Connection(endpoint({ auth: { kind: 'tokenFile', path } }), { now: () => now });
    const bearer = async () => (await c.prepare('pooled')).headers.Authorization;
    expect(await bearer()).toBe('Bearer first');
    writeFileSync(path, 'second');
    now = 59_000;
    expect(await bearer()).toBe('Bearer first');
    now = 61_000;
    expect(await bearer()).toBe('Bearer second');
    unlinkSync(path);
    now = 200_000;
    expect(await bearer()).toBe('Bearer second');
    c.close();
  });

  it('names the token file it cannot read', async () => {
    const c = new Connection(endpoint({ auth: { kind: 'tokenFile', path: join(dir, 'absent') } }));
    await expect(c.prepare('pooled')).rejects.toThrow(/reading the bearer token from .*absent: ENOENT/);
  });

  it.each<[string, Endpoint['auth'], string | undefined]>([
    ['none', { kind: 'none' }, undefined],
    ['a token', { kind: 'token', token: 't0k' }, 'Bearer t0k'],
    ['basic', { kind: 'basic', username: 'me', password: 'pw' }, `Basic ${Buffer.from('me:pw').toString('base64')}`],
  ])('authorization header: %s', async (_what, auth, want) => {
    expect((await new Connection(endpoint({ auth })).prepare('pooled')).headers.Authorization).toBe(want);
  });

  it('pools ordinary requests, gives watches sockets of their own, and renews the pool after its age', async () => {
    let now = 0;
    const c = new Connection(endpoint({}), { now: () => now, poolMaxAgeMs: 1_000 });
    const a = await c.prepare('pooled');
    const s = await c.prepare('stream');
    expect(a.agent).not.toBe(s.agent);
    expect(a.agent.maxSockets).toBe(64);
    expect(s.agent.maxSockets).toBe(Infinity);
    expect((await c.prepare('pooled')).agent).toBe(a.agent);
    now = 1_500;
    expect((await c.prepare('pooled')).agent).not.toBe(a.agent);
    c.close();
  });

  it('names the certificate file it cannot read', async () => {
    const c = new Connection(endpoint({ ca: { file: join(dir, 'no-ca.crt') } }));
    await expect(c.prepare('pooled')).rejects.toThrow(/reading the certificate authority from .*no-ca\.crt/);
  });

  it('loads the client library only when the kubeconfig needs it', async () => {
    let loaded = 0;
    const c = new Connection(endpoint({ auth: { kind: 'library', why: 'exec' } }), {
      library: () => {
        loaded++;
        return Promise.resolve((o) => {
          o.headers = { ...o.headers, Authorization: 'Bearer from-exec' };
          return Promise.resolve();
        });
      },
    });
    expect((await c.prepare('pooled')).headers.Authorization).toBe('Bearer from-exec');
    await c.prepare('pooled');
    expect(loaded).toBe(1);
  });
});

describe('in-cluster over HTTPS', () => {
  const sa = join(dir, 'serviceaccount');
  let server: Server;
  let port = 0;
  const seen: (string | undefined)[] = [];
  beforeAll(async () => {
    mkdirSync(sa, { recursive: true });
    const key = join(dir, 'server.key');
    const crt = join(sa, 'ca.crt');
    // A self-signed serving certificate is its own CA: the pod's ca.crt.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=kubernetes', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    writeFileSync(join(sa, 'token'), 'pod-token');
    writeFileSync(join(sa, 'namespace'), 'sluice-system');
    server = createServer({ key: readFileSync(key), cert: readFileSync(crt) }, (req, res) => {
      seen.push(req.headers.authorization);
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/api/v1/namespaces/sluice-system/configmaps/missing') {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', message: 'configmaps "missing" not found', code: 404 }));
        return;
      }
      res.end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('trusts the pod CA, sends the service-account token and takes the pod namespace', async () => {
    const config = loadClusterConfig({ env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, serviceAccountDir: sa });
    expect(config).toMatchObject({ server: `https://127.0.0.1:${port}`, namespace: 'sluice-system', source: { kind: 'in-cluster' } });
    const t = new Transport(config);
    expect(await t.json({ method: 'GET', path: '/api/v1/namespaces', query: { limit: 1 } })).toEqual({ path: '/api/v1/namespaces?limit=1' });
    expect(seen.at(-1)).toBe('Bearer pod-token');
    await expect(t.json({ method: 'GET', path: '/api/v1/namespaces/sluice-system/configmaps/missing' })).rejects.toMatchObject({ status: 404, reason: 'NotFound' });
    t.close();
  });

  it('refuses a server its CA did not sign', async () => {
    const other = join(dir, 'other-ca');
    mkdirSync(other, { recursive: true });
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(other, 'k'), '-out', join(other, 'ca.crt'), '-days', '1', '-subj', '/CN=other'], { stdio: 'ignore' });
    writeFileSync(join(other, 'token'), 'x');
    const config = loadClusterConfig({ env: { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) }, serviceAccountDir: other });
    const t = new Transport(config);
    await expect(t.json({ method: 'GET', path: '/version' })).rejects.toMatchObject({ status: 0, reason: 'NoResponse' });
    t.close();
  });
});
