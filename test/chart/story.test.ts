// The cluster user story of the README, step by step, against a real control plane: helm install
// the chart, run its operator as the chart configures it (its args, its ServiceAccount and RBAC,
// its Lease), kubectl apply the quick start, kubectl get sluice, kubectl wait for each kind,
// kubectl describe, a bad plan refused at apply with the field and the reason, and the Argo CD
// health script's verdict on the live objects.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type ControlPlane } from '../controlplane/index.ts';
import { HEALTH_LUA } from '../gitops/argocd-cm.ts';
import { runHealth, type Json } from '../gitops/lua.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';
import { waitFor } from '../support/wait.ts';
import { chartDir, helm, NAMESPACE, RELEASE, repoRoot } from './helm.ts';
import { parseTables, tableOf, type Table } from './kubectl-table.ts';
import { localArgs, startChartOperator, type ChartOperator } from './operator-process.ts';

const README = readFileSync(join(repoRoot, 'README.md'), 'utf8');

/** The README's bad plan and the refusal it shows, so the README stays what kubectl says. */
function readmeBadPlan(readme: string): { yaml: string; errors: string[] } {
  const yaml = /```yaml\n# bad-plan\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  const shown = /```\n\$ kubectl apply -f bad-plan\.yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  if (yaml === undefined || shown === undefined) throw new Error('reading README.md: the bad-plan.yaml example or its output is missing');
  return { yaml, errors: shown.split('\n').filter((l) => l.trim() !== '') };
}

describe('kubectl-table', () => {
  it('cuts cells at the header offsets, keeping empty cells', () => {
    const text = 'NAME              READY   LAG   AGE\ndestination.x/a   True          5s\ndestination.x/b   False   12    1m\n\nNAME       EVENTS\nplan.x/p   3\n';
    const tables = parseTables(text);
    expect(tables.map((t) => t.headers)).toEqual([['NAME', 'READY', 'LAG', 'AGE'], ['NAME', 'EVENTS']]);
    expect(tableOf(tables, 'destination.').rows).toEqual([
      { NAME: 'destination.x/a', READY: 'True', LAG: '', AGE: '5s' },
      { NAME: 'destination.x/b', READY: 'False', LAG: '12', AGE: '1m' },
    ]);
    expect(() => tableOf(tables, 'source.')).toThrow(/no table of source/);
  });

  it('localArgs points --nats-url at a local NATS and leaves the pods\' --bus-url alone', () => {
    const chart = ['operator', '--bus-url=nats://sluice-nats.sluice-system.svc:4222', '--nats-url=nats://sluice-nats.sluice-system.svc:4222'];
    const local = { kubeconfig: '/k', metricsPort: 1, healthPort: 2 };
    expect(localArgs(chart, { ...local, natsUrl: 'nats://127.0.0.1:4999' }).slice(0, 3)).toEqual([
      'operator',
      '--bus-url=nats://sluice-nats.sluice-system.svc:4222',
      '--nats-url=nats://127.0.0.1:4999',
    ]);
    expect(localArgs(chart, local).slice(0, 3)).toEqual(chart);
  });

  it('localArgs keeps the chart flags and moves ports and credentials to local ones', () => {
    expect(localArgs(['operator', '--lease-name=x', '--metrics-port=8081', '--health-port=8082', '--kubeconfig=/pod'], { kubeconfig: '/k', metricsPort: 1, healthPort: 2 })).toEqual([
      'operator',
      '--lease-name=x',
      '--kubeconfig=/k',
      '--metrics-port=1',
      '--health-port=2',
      '--bind-address=127.0.0.1',
    ]);
  });
});

describe('the cluster user story, on a real control plane', () => {
  let cp: ControlPlane;
  let operator: ChartOperator | undefined;
  const kube = (args: string[]) => ['--kubeconfig', cp.kubeconfig, ...args];
  const objectJson = async (what: string): Promise<Json> => JSON.parse(await cp.kubectlOk(['get', what, '-o', 'json'])) as Json;

  let nats: NatsServer;

  beforeAll(async () => {
    // The chart's NATS never runs (no kubelet): the operator provisions on a local one.
    [cp, nats] = await Promise.all([startControlPlane(), startNatsServer()]);
  }, 240_000);
  afterAll(async () => {
    await operator?.stop();
    await Promise.all([cp?.stop(), nats?.close()]);
  }, 60_000);

  it('helm install sluice charts/sluice -n sluice-system --create-namespace', async () => {
    const r = await helm(kube(['install', RELEASE, chartDir, '-n', NAMESPACE, '--create-namespace']), { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('STATUS: deployed');
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd/sources.sluice.dev', 'crd/destinations.sluice.dev', 'crd/trackingplans.sluice.dev']);
  }, 150_000);

  it("runs the chart's operator with its ServiceAccount's RBAC, and it takes the chart's Lease", async () => {
    operator = await startChartOperator(cp, NAMESPACE, 'sluice-operator', { natsUrl: nats.url });
    expect(operator.args).toEqual(expect.arrayContaining(['operator', '--leader-elect=true', `--lease-namespace=${NAMESPACE}`, `--nats-url=${nats.url}`]));
    const holder = await waitFor(
      async () => {
        const r = await cp.kubectl(['get', 'lease', 'sluice-operator', '-n', NAMESPACE, '-o', 'jsonpath={.spec.holderIdentity}']);
        return r.code === 0 && r.stdout !== '' ? r.stdout : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the operator to hold the Lease', detail: () => operator?.output() ?? '' },
    );
    expect(holder).toContain('sluice-operator-local');
  }, 60_000);

  it('kubectl apply -f examples/quickstart/', async () => {
    const out = await cp.kubectlOk(['apply', '-f', join(repoRoot, 'examples/quickstart/')]);
    expect(out.split('\n').filter(Boolean).sort()).toEqual([
      'destination.sluice.dev/webhook created',
      'secret/web-write-key created',
      'source.sluice.dev/web created',
      'trackingplan.sluice.dev/storefront created',
    ]);
  });

  it.each(['trackingplan/storefront', 'source/web', 'destination/webhook'])('kubectl wait --for=condition=Ready %s', async (what) => {
    const r = await cp.kubectl(['wait', '--for=condition=Ready', what, '--timeout=60s'], { timeoutMs: 70_000 });
    expect(r.code, `${r.stderr}\n${operator?.output() ?? ''}`).toBe(0);
    expect(r.stdout.trim()).toMatch(new RegExp(`^${what.replace('/', '\\.sluice\\.dev/')} condition met$`));
  }, 80_000);

  it("the operator provisioned the quick start on NATS: the Source's stream and the Destination's consumer, named in their namespace", async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const consumer = await waitFor(() => jsm.consumers.info('SLUICE_SRC_default__web', 'webhook__web').catch(() => undefined), {
        timeoutMs: 15_000,
        intervalMs: 250,
        what: 'the consumer of webhook on web',
        detail: () => operator?.output() ?? '',
      });
      expect(consumer.config.filter_subject).toBe('SLUICE.src.default.web');
      expect((await jsm.streams.info('SLUICE_QUAR_default__web')).config.subjects).toEqual(['SLUICE.quar.default.web']);
    } finally {
      await nc.close();
    }
  });

  it('kubectl get sluice: every resource with Ready, the reason and its key number', async () => {
    const tables = parseTables(await cp.kubectlOk(['get', 'sluice']));
    expect(tables).toHaveLength(3);
    const plans = tableOf(tables, 'trackingplan.sluice.dev/');
    expect(plans.headers).toEqual(['NAME', 'READY', 'REASON', 'EVENTS', 'AGE']);
    expect(plans.rows).toMatchObject([{ NAME: 'trackingplan.sluice.dev/storefront', READY: 'True', EVENTS: '3' }]);
    const sources = tableOf(tables, 'source.sluice.dev/');
    expect(sources.headers).toEqual(['NAME', 'READY', 'REASON', 'RECEIVED', 'BLOCKED', 'AGE']);
    expect(sources.rows).toMatchObject([{ NAME: 'source.sluice.dev/web', READY: 'True', REASON: 'Deployed' }]);
    const destinations = tableOf(tables, 'destination.sluice.dev/');
    expect(destinations.headers).toEqual(['NAME', 'TYPE', 'READY', 'REASON', 'LAG', 'DELIVERED', 'AGE']);
    expect(destinations.rows).toMatchObject([{ NAME: 'destination.sluice.dev/webhook', TYPE: 'webhook', READY: 'True', REASON: 'Deployed' }]);

    // The README shows this very output (ages aside).
    const shown = /```\n(NAME[\s\S]*?)```/.exec(README)?.[1] ?? '';
    const withoutAge = (ts: Table[]) => ts.map((t) => ({ headers: t.headers, rows: t.rows.map(({ AGE: _, ...rest }) => rest) }));
    expect(withoutAge(parseTables(shown))).toEqual(withoutAge(tables));

    const wide = tableOf(parseTables(await cp.kubectlOk(['get', 'sources', '-o', 'wide'])), 'web');
    expect(wide.rows[0]?.ENDPOINT).toBe('http://web.default.svc:80/v1');
  });

  it('kubectl describe source/web shows the conditions with their reasons and messages', async () => {
    const out = await cp.kubectlOk(['describe', 'source/web']);
    expect(out).toMatch(/Endpoint:\s+http:\/\/web\.default\.svc:80\/v1/);
    // describe prints each condition's fields in alphabetical order.
    expect(out).toMatch(/Message:\s+ingest Deployment web-ingest: \d\/2 pods ready\n\s+Observed Generation:\s+1\n\s+Reason:\s+Deployed\n\s+Status:\s+True\n\s+Type:\s+Ready\n/);
    expect(out).toMatch(/Reason:\s+\w+\n\s+Status:\s+False\n\s+Type:\s+Stalled\n/);
    expect(out).toMatch(/Normal\s+Deployed\s+\S+\s+sluice\.dev\/operator\s+ingest Deployment web-ingest/);
  });

  it("kubectl apply -f bad-plan.yaml is refused as the README shows, naming each field and why, and stores nothing", async () => {
    const bad = readmeBadPlan(README);
    expect(bad.errors).toEqual([
      'The TrackingPlan "checkout" is invalid:',
      expect.stringMatching(/^\* spec\.onViolation: Unsupported value: "drop"/),
      expect.stringMatching(/^\* spec\.events\[1\]: Duplicate value: .*"Order Completed"/),
    ]);
    const r = await cp.kubectl(['apply', '-f', '-'], { input: bad.yaml });
    expect(r.code).not.toBe(0);
    const said = r.stderr.split('\n').map((l) => l.trimEnd());
    for (const line of bad.errors) expect(said).toContain(line);
    expect((await cp.kubectl(['get', 'trackingplan', 'checkout'])).stderr).toContain('NotFound');
  });

  it('the Argo CD health script reads the live objects: Healthy, Progressing, Degraded', async () => {
    for (const what of ['source/web', 'destination/webhook', 'trackingplan/storefront']) {
      expect((await runHealth(HEALTH_LUA, await objectJson(what))).status, what).toBe('Healthy');
    }
    // A Source whose write-key Secret does not exist yet waits for it: Progressing.
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'sluice.dev/v1alpha1', kind: 'Source', metadata: { name: 'app' }, spec: { writeKeys: [{ secretRef: { name: 'app-key' } }] } }),
    });
    // A plan whose schema does not compile cannot work until it changes: Degraded.
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'sluice.dev/v1alpha1',
        kind: 'TrackingPlan',
        metadata: { name: 'typo' },
        spec: { events: [{ name: 'Order Completed', properties: { type: 'object', properties: { revenue: { type: 'nmber' } } } }] },
      }),
    });
    const r = await cp.kubectl(['wait', '--for=condition=Stalled', 'trackingplan/typo', '--timeout=30s'], { timeoutMs: 40_000 });
    expect(r.code, r.stderr).toBe(0);
    const degraded = await runHealth(HEALTH_LUA, await objectJson('trackingplan/typo'));
    expect(degraded.status).toBe('Degraded');
    expect(degraded.message).toContain('Order Completed');
    const waiting = await waitFor(
      async () => {
        const h = await runHealth(HEALTH_LUA, await objectJson('source/app'));
        return h.message.includes('app-key') ? h : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: 'the Source to report its missing Secret' },
    );
    expect(waiting).toMatchObject({ status: 'Progressing', message: 'Secret app-key not found' });
  }, 90_000);
});
