// The NATS configuration the chart renders, checked by the real nats-server (Debian): valid
// for one and three servers, and a single server started from it runs JetStream, answers the
// probes' health checks and leaves through the preStop lame-duck signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../controlplane/index.ts';
import { one, render, run, type K8sObject } from './helm.ts';

const NATS_SERVER = process.env.NATS_SERVER ?? 'nats-server';
const dir = mkdtempSync(join(tmpdir(), 'sluice-chart-nats-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface StatefulSet extends K8sObject {
  spec: {
    template: {
      spec: {
        containers: {
          name: string;
          args: string[];
          env: { name: string }[];
          lifecycle: { preStop: { exec: { command: string[] } } };
          volumeMounts: { name: string; mountPath: string }[];
          startupProbe: { httpGet: { path: string } };
          readinessProbe: { httpGet: { path: string } };
          livenessProbe: { httpGet: { path: string } };
        }[];
      };
    };
  };
}

async function rendered(replicas: 1 | 3) {
  const objs = await render({ nats: { replicas } });
  const conf = one<K8sObject & { data: Record<string, string> }>(objs, 'ConfigMap', 'sluice-nats').data['nats.conf'] ?? '';
  const sts = one<StatefulSet>(objs, 'StatefulSet', 'sluice-nats');
  const container = sts.spec.template.spec.containers[0];
  if (!container) throw new Error('no NATS container');
  return { conf, container };
}

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

describe('NATS configuration', () => {
  it.each([1, 3] as const)('%i server(s): nats-server -t accepts it', async (replicas) => {
    const { conf, container } = await rendered(replicas);
    expect(container.args).toEqual(['--config', '/etc/nats/nats.conf']);
    expect(container.env.map((e) => e.name)).toContain('POD_NAME');
    const file = join(dir, `nats-${replicas}.conf`);
    writeFileSync(file, conf);
    const r = await run(NATS_SERVER, ['-c', file, '-t'], { env: { POD_NAME: 'sluice-nats-0' } });
    expect(r.stdout + r.stderr).toContain('is valid');
    expect(r.code).toBe(0);
  });

  it('one server: runs JetStream, passes the probes, leaves on the preStop signal', async () => {
    const { conf, container } = await rendered(1);
    const mount = (name: string) => container.volumeMounts.find((m) => m.name === name)?.mountPath ?? '';
    const data = join(dir, 'data');
    const runDir = join(dir, 'run');
    mkdirSync(data);
    mkdirSync(runDir);
    // Same file, with the pod's volumes mapped to temp directories.
    const local = conf.replaceAll(mount('data'), data).replaceAll(mount('run'), runDir);
    expect(local).not.toBe(conf);
    const file = join(dir, 'local.conf');
    writeFileSync(file, local);
    const [port, monitor] = [await freePort(), await freePort()];
    const child = spawn(NATS_SERVER, ['-c', file, '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)], {
      env: { ...process.env, POD_NAME: 'sluice-nats-0' },
      stdio: 'ignore',
    });
    children.push(child);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const base = `http://127.0.0.1:${monitor}`;

    let health = { status: 0, body: '' };
    for (let i = 0; i < 100 && health.status !== 200; i++) {
      health = await get(`${base}${container.startupProbe.httpGet.path}`).catch(() => ({ status: 0, body: '' }));
      if (health.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(health.status).toBe(200);
    for (const probe of [container.readinessProbe, container.livenessProbe]) expect((await get(`${base}${probe.httpGet.path}`)).status).toBe(200);

    const varz = JSON.parse((await get(`${base}/varz`)).body) as { server_name: string; jetstream?: { config?: { max_memory: number; store_dir: string } } };
    expect(varz.server_name).toBe('sluice-nats-0');
    expect(varz.jetstream?.config).toMatchObject({ max_memory: 256 * 1024 * 1024, store_dir: join(data, 'jetstream') });

    const preStop = container.lifecycle.preStop.exec.command.map((a) => a.replaceAll(mount('run'), runDir));
    const [cmd = '', ...args] = preStop;
    const signal = await run(cmd, args);
    expect(signal.code, signal.stderr).toBe(0);
    expect(await exited).toBe(0);
  });
});
