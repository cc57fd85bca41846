// The pod runner against a real control plane (etcd, kube-apiserver, kube-controller-manager):
// a Deployment of a tiny HTTP server whose script comes from a ConfigMap volume and whose
// token comes from a Secret, run as local processes, through restarts, a config update, a
// rollout and a scale-down.
import { realpathSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../../controlplane/index.ts';
import { KubeClient, loadClusterConfig, Resources, type Deployment, type Pod } from '../../../operator/src/kube/index.ts';
import { waitFor } from '../../support/wait.ts';
import { startPodRunner, type PodProcess, type PodRunner } from './index.ts';

const ns = 'runner-e2e';
const TOKEN = 's3cr3t-token';

// Plain JavaScript (an .mjs file in a ConfigMap), so it runs on `node` with no build step.
const SERVER = `
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
const port = Number(process.argv[process.argv.indexOf('--port') + 1]);
let ready = false;
createServer((req, res) => {
  if (req.url === '/readyz') return res.writeHead(ready ? 200 : 503).end();
  const body = {
    pod: process.env.POD_NAME,
    namespace: process.env.POD_NAMESPACE,
    greeting: process.env.GREETING,
    token: process.env.TOKEN,
    tokenFile: readFileSync(process.env.TOKEN_FILE, 'utf8'),
    message: readFileSync(process.env.MESSAGE_FILE, 'utf8'),
    argv: process.argv.slice(2),
    pid: process.pid,
  };
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}).listen(port, '127.0.0.1', () => {
  console.log('listening on ' + port);
  setTimeout(() => (ready = true), 200);
});
process.on('SIGTERM', () => process.exit(0));
`;

interface Answer {
  pod: string;
  namespace: string;
  greeting: string;
  token: string;
  tokenFile: string;
  message: string;
  argv: string[];
  pid: number;
}

function deployment(replicas: number): Deployment {
  const labels = { app: 'web' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'web',
              image: 'node:24-slim',
              command: ['node', '/app/server.mjs'],
              args: ['--port', '8080'],
              ports: [{ name: 'http', containerPort: 8080 }],
              env: [
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'token' } } },
                { name: 'TOKEN_FILE', value: '/etc/web/secret/token' },
                { name: 'MESSAGE_FILE', value: '/app/message.txt' },
                { name: 'GREETING', value: 'hello' },
              ],
              readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 2, failureThreshold: 2 },
              volumeMounts: [
                { name: 'app', mountPath: '/app', readOnly: true },
                { name: 'secret', mountPath: '/etc/web/secret', readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: 'app', configMap: { name: 'web-app', defaultMode: 0o444 } },
            { name: 'secret', secret: { secretName: 'web-secret', defaultMode: 0o400 } },
          ],
        },
      },
    },
  };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('pod runner', () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let runner: PodRunner;
  const lines: string[] = [];
  let first: PodProcess[] = [];

  const ask = async (address: string): Promise<Answer> => {
    const res = await fetch(`http://${address}/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    return (await res.json()) as Answer;
  };
  const apiPods = async (): Promise<Pod[]> => (await client.resource(Resources.pods).list({ namespace: ns, labelSelector: 'app=web' })).items;
  const patchDeployment = (body: unknown) => client.resource(Resources.deployments).patch('web', ns, { type: 'strategic', body });
  const rolledOut = () => cp.kubectlOk(['-n', ns, 'rollout', 'status', 'deployment/web', '--timeout=180s'], { timeoutMs: 200_000 });

  beforeAll(async () => {
    cp = await startControlPlane({ log: (l) => console.log(`[controlplane] ${l}`) });
    client = new KubeClient(loadClusterConfig({ path: cp.kubeconfig }));
    await client.resource(Resources.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    runner = await startPodRunner({
      kubeconfig: cp.kubeconfig,
      namespace: ns,
      imageMap: (image) => (image.startsWith('node:') ? { entrypoint: [process.execPath], binaries: { node: process.execPath } } : undefined),
      log: (l) => lines.push(l),
    });
  }, 300_000);

  afterAll(async () => {
    await runner?.stop();
    await cp?.stop();
  }, 60_000);

  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') console.log(`pod runner log:\n${lines.join('\n')}`);
  });

  it('runs every replica as a ready process and the Deployment becomes Available', async () => {
    await client.resource(Resources.secrets).create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace: ns }, stringData: { token: TOKEN } });
    await client.resource(Resources.configMaps).create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-app', namespace: ns },
      data: { 'server.mjs': SERVER, 'message.txt': 'first message' },
    });
    await client.resource(Resources.services).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await client.resource(Resources.deployments).create(deployment(2));

    first = await runner.waitForPods({ app: 'web' }, 2, { timeoutMs: 180_000 });
    const pids = first.map((p) => p.containers[0]!.pid!);
    expect(new Set(pids).size).toBe(2);
    for (const pid of pids) expect(alive(pid)).toBe(true);

    await rolledOut();
    const d = await client.resource(Resources.deployments).get('web', ns);
    expect(d?.status?.availableReplicas).toBe(2);
    expect(d?.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    const pods = await apiPods();
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(first.map((p) => p.name).sort());
    for (const p of pods) {
      expect(p.spec?.nodeName).toBe(runner.nodeName);
      expect(p.status?.phase).toBe('Running');
      expect(p.status?.podIP).toBe('127.0.0.1');
      expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    }
  }, 300_000);

  it('runs the pod spec as written: env, downward API, mounted ConfigMap and Secret, its own port', async () => {
    const addresses: string[] = [];
    for (const p of first) {
      const address = runner.endpoint(p.name, 'http');
      addresses.push(address);
      const a = await ask(address);
      expect(a).toMatchObject({ pod: p.name, namespace: ns, greeting: 'hello', token: TOKEN, tokenFile: TOKEN, message: 'first message' });
      // The container asked for port 8080; it got the host port the runner maps 8080 to.
      expect(a.argv).toEqual(['--port', address.split(':')[1]]);
      expect(runner.endpoint(p.name, 8080)).toBe(address);
      const root = `${p.dir}/root/web`;
      expect(statSync(realpathSync(`${root}/etc/web/secret/token`)).mode & 0o777).toBe(0o400);
      expect(statSync(realpathSync(`${root}/app/server.mjs`)).mode & 0o777).toBe(0o444);
    }
    expect(new Set(addresses).size).toBe(2);
    expect(await runner.serviceEndpoints('web')).toEqual([...addresses].sort());
    expect(await runner.serviceEndpoints('web', { port: 'http' })).toEqual([...addresses].sort());
  }, 60_000);

  it('updates mounted ConfigMap files in place, as the kubelet does', async () => {
    const p = first[0]!;
    const before = await ask(runner.endpoint(p.name, 'http'));
    await client.resource(Resources.configMaps).patch('web-app', ns, { type: 'merge', body: { data: { 'message.txt': 'second message' } } });
    const after = await waitFor(async () => {
      const a = await ask(runner.endpoint(p.name, 'http'));
      return a.message === 'second message' && a;
    }, { timeoutMs: 30_000, what: 'the mounted message to change' });
    expect(after.pid).toBe(before.pid);
  }, 60_000);

  it('restarts a SIGKILLed container and reports the restart in the Pod status', async () => {
    const p = first[0]!;
    const killed = runner.kill9(p.name);
    expect(killed).toBe(p.containers[0]!.pid);
    const status = await waitFor(async () => {
      const pod = await client.resource(Resources.pods).get(p.name, ns);
      const c = pod?.status?.containerStatuses?.[0];
      return c && c.restartCount === 1 && c.ready && pod;
    }, { timeoutMs: 60_000, what: `pod ${p.name} to report one restart and be ready again` });
    expect(status.status?.phase).toBe('Running');
    const info = runner.processes().find((x) => x.name === p.name)!;
    expect(info.containers[0]!.restartCount).toBe(1);
    expect(info.containers[0]!.pid).not.toBe(killed);
    expect(alive(killed)).toBe(false);
    const a = await ask(runner.endpoint(p.name, 'http'));
    expect(a.pid).toBe(info.containers[0]!.pid);
    expect(runner.logs(p.name)).toContain('listening on');
    expect(runner.logs(p.name, { previous: true })).toContain('listening on');
  }, 90_000);

  it('rolls out a changed template: new pods start, old ones are stopped and deleted', async () => {
    const old = runner.processes();
    const oldPids = old.map((p) => p.containers[0]!.pid!);
    await patchDeployment({ spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'GREETING', value: 'bye' }] }] } } } });
    await rolledOut();
    const fresh = await runner.waitForPods('app=web', 2, { timeoutMs: 120_000 });
    expect(fresh.map((p) => p.name).filter((n) => old.some((o) => o.name === n))).toEqual([]);
    for (const p of fresh) expect((await ask(runner.endpoint(p.name, 'http'))).greeting).toBe('bye');
    for (const pid of oldPids) expect(alive(pid)).toBe(false);
    const names = (await apiPods()).map((p) => p.metadata.name).sort();
    expect(names).toEqual(fresh.map((p) => p.name).sort());
  }, 300_000);

  it('stops every process when the Deployment scales to zero', async () => {
    const pids = runner.processes().map((p) => p.containers[0]!.pid!);
    expect(pids.length).toBe(2);
    await patchDeployment({ spec: { replicas: 0 } });
    await runner.waitForPods({ app: 'web' }, 0, { timeoutMs: 120_000 });
    for (const pid of pids) expect(alive(pid)).toBe(false);
    await waitFor(async () => (await apiPods()).length === 0, { timeoutMs: 60_000, what: 'the pods to leave the API' });
    expect(runner.processes()).toEqual([]);
  }, 180_000);
});
