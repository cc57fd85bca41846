// Status feedback end to end on a real control plane: the `sluice operator` process and a
// real nats-server; "pods" publish their stats through the runtime's own publisher, with
// the names and settings the operator rendered into their ConfigMaps (no kubelet here:
// the processes that would run them are replaced by what they publish, byte for byte).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Destination, Source, TrackingPlan } from '../../operator/src/api/index.ts';
import type { ConfigMap, KubeEvent, KubeList } from '../../operator/src/kube/index.ts';
import { openNatsStatsChannel } from '../../runtime/src/bus/nats/stats.ts';
import { CONFIG_KEY, parseRendered, type RenderedConfig } from '../../runtime/src/cluster/rendered.ts';
import { StatsTracker } from '../../runtime/src/delivery/stats.ts';
import { DeliveryError } from '../../runtime/src/delivery/types.ts';
import type { SegmentEvent } from '../../runtime/src/event.ts';
import { emptyStats, type SourceStats } from '../../runtime/src/ingest/stats.ts';
import { destinationBody, destinationHints, PodStats, sourceBody, sourceHints, type StatsChannel } from '../../runtime/src/observe/feedback/index.ts';
import { ViolationSampler } from '../../runtime/src/observe/violations.ts';
import { compilePlan } from '../../runtime/src/plan/index.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';
import { spawnOperator, startOperatorEnv, type OperatorEnv, type OperatorProcess } from '../operator/env.ts';
import { waitFor } from '../support/wait.ts';

const EMAIL = 'jane.doe@example.com';
const TOKEN = 'EAABsbCS1iHgBAKZCZCi7ZBv3Yq2secret';
const WRITE_KEY = 'wk_live_8sd7f6g5h4j3k2l1';

let env: OperatorEnv;
let nats: NatsServer;
let operator: OperatorProcess;
const channels: StatsChannel[] = [];
const pods: PodStats[] = [];

beforeAll(async () => {
  [env, nats] = await Promise.all([startOperatorEnv(), startNatsServer()]);
  operator = await spawnOperator(env.cp.kubeconfig, 'feedback', [`--bus-url=${nats.url}`, '--leader-elect=false', '--log-level=warn']);
}, 300_000);

afterAll(async () => {
  for (const p of pods) await p.stop().catch(() => undefined);
  for (const c of channels) await c.close().catch(() => undefined);
  await operator?.stop();
  await nats?.close();
  await env?.stop();
}, 60_000);

type Cond = { type: string; status: string; reason: string; message: string };
const condition = (obj: { status?: { conditions?: Cond[] } } | undefined, type: string) => obj?.status?.conditions?.find((c) => c.type === type);

const manifests = [
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-write-key' }, stringData: { writeKey: WRITE_KEY } },
  { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'meta-token' }, stringData: { accessToken: TOKEN } },
  {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'TrackingPlan',
    metadata: { name: 'storefront' },
    spec: {
      onViolation: 'allow',
      events: [{ name: 'Order Completed', properties: { type: 'object', required: ['order_id'], properties: { order_id: { type: 'string' }, revenue: { type: 'number' } } } }],
    },
  },
  {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Source',
    metadata: { name: 'web' },
    spec: { trackingPlanRef: { name: 'storefront' }, writeKeys: [{ secretRef: { name: 'web-write-key', key: 'writeKey' } }], silenceAfter: '30s', replicas: 1 },
  },
  {
    apiVersion: 'sluice.dev/v1alpha1',
    kind: 'Destination',
    metadata: { name: 'meta-ads' },
    spec: { sources: [{ name: 'web' }], type: 'meta-capi', settings: { pixelId: '123' }, credentials: { secretRef: { name: 'meta-token' } } },
  },
];

/** The rendered config the operator wrote for a workload: what its pods would read. */
async function rendered(ns: string, configMap: string): Promise<RenderedConfig> {
  const cm = await waitFor(async () => (await env.get<ConfigMap>(ns, `configmap ${configMap}`))?.data?.[CONFIG_KEY], { timeoutMs: 30_000, what: `ConfigMap ${configMap}` });
  return parseRendered(cm);
}

async function podStats(ns: string, pod: string): Promise<PodStats> {
  const channel = await openNatsStatsChannel({ servers: nats.url, name: pod });
  channels.push(channel);
  const p = new PodStats({ channel, namespace: ns, pod, intervalMs: 1_000 });
  pods.push(p);
  return p;
}

describe('status feedback through the operator', () => {
  it('shows counts, violations, lag, the last error and flow conditions in status, with Events on transitions and no secret or e-mail anywhere', async () => {
    const ns = await env.namespace('feedback');
    await env.apply(ns, manifests);
    const started = Date.now();

    // An ingest pod for web, with the plan and silenceAfter from its rendered config.
    const ingestConfig = await rendered(ns, 'web-ingest');
    const web = ingestConfig.sources.find((s) => s.name === 'web')!;
    const plan = compilePlan(web.plan!.name, web.plan!.spec);
    const sampler = new ViolationSampler();
    const at = new Date(started).toISOString();
    for (let i = 0; i < 3; i++) {
      const e: SegmentEvent = { type: 'track', event: 'Order Completed', messageId: `m-bad-${i}`, timestamp: at, receivedAt: at, properties: { order_id: 'o1', revenue: EMAIL } };
      sampler.record('web', 'Order Completed', plan.check(e).violations, e.messageId, started);
    }
    const ingest: SourceStats = { ...emptyStats(), received: 120, accepted: 100, blocked: 15, rejected: 5, lastEventTime: at };
    const hints = sourceHints({ name: web.name, spec: web.spec, writeKeys: [], ...(web.plan ? { plan: web.plan } : {}) });
    expect(hints).toEqual({ trackingPlan: 'storefront', silenceAfterMs: 30_000 });
    await (await podStats(ingestConfig.namespace ?? ns, 'web-ingest-7d9f-a')).serve('source', [{ name: 'web', snapshot: () => sourceBody('web', ingest, sampler, hints) }]);

    // A delivery pod for meta-ads whose token the API rejects.
    const deliverConfig = await rendered(ns, 'meta-ads-deliver');
    const meta = deliverConfig.destinations.find((d) => d.name === 'meta-ads')!;
    const tracker = new StatsTracker('meta-capi');
    tracker.delivered = 40;
    tracker.lastDeliveryTime = started - 60_000;
    tracker.lag = 12_480;
    tracker.recordLatency(180);
    tracker.failed = 6;
    tracker.recordError(
      new DeliveryError(`answered 401: Invalid OAuth access token for ${EMAIL} (Authorization: Bearer ${TOKEN})`, { kind: 'auth', status: 401 }),
      'm-41',
      started,
    );
    const dHints = destinationHints({ name: meta.name, spec: meta.spec, credentials: {} });
    await (await podStats(deliverConfig.namespace ?? ns, 'meta-ads-deliver-5c4b-a')).serve('destination', [{ name: 'meta-ads', snapshot: () => destinationBody(tracker.snapshot(), dHints) }]);

    const src = await waitFor(
      async () => {
        const s = await env.get<Source>(ns, 'source web');
        return s?.status?.received === 120 && condition(s, 'EventsFlowing')?.status === 'True' ? s : undefined;
      },
      { timeoutMs: 15_000, what: 'Source web status with counts' },
    );
    expect(src.status).toMatchObject({ received: 120, accepted: 100, blocked: 15, rejected: 5, lastEventTime: at });
    expect(src.status?.topViolations).toEqual([
      { event: 'Order Completed', field: 'properties.revenue', kind: 'type', message: 'properties.revenue: expected number, got string', count: 3, lastSeen: expect.any(String) as unknown, sampleMessageId: 'm-bad-2' },
    ]);

    const dst = await waitFor(
      async () => {
        const d = await env.get<Destination>(ns, 'destination meta-ads');
        return condition(d, 'Delivering')?.reason === 'DeliveryFailing' ? d : undefined;
      },
      { timeoutMs: 15_000, what: 'Destination meta-ads DeliveryFailing' },
    );
    expect(dst.status).toMatchObject({ delivered: 40, failed: 6, deadLettered: 0, lag: 12_480, p95LatencyMs: 180, lastError: { code: '401', messageId: 'm-41' } });
    expect(condition(dst, 'Delivering')).toMatchObject({
      status: 'False',
      message: expect.stringMatching(/^401 from the API since \d\d:\d\d UTC, credentials rejected \(secret meta-token\): answered 401: Invalid OAuth access token for \[email\]/) as unknown,
    });
    // What the on-call engineer sees first: not Ready because delivery fails, nothing to reconcile.
    await waitFor(async () => condition(await env.get<Destination>(ns, 'destination meta-ads'), 'Ready')?.reason === 'DeliveryFailing', { timeoutMs: 10_000, what: 'Ready=False DeliveryFailing' });
    const failingDst = (await env.get<Destination>(ns, 'destination meta-ads'))!;
    expect(condition(failingDst, 'Ready')).toMatchObject({ status: 'False', message: condition(failingDst, 'Delivering')?.message });
    expect(condition(failingDst, 'Reconciling')?.status).toBe('False');
    expect(condition(failingDst, 'Stalled')?.status).toBe('False');
    const table = await env.cp.kubectlOk(['get', 'destinations', '-n', ns]);
    expect(table).toMatch(/meta-ads\s+meta-capi\s+False\s+DeliveryFailing\s+12480\s+40/);

    const tp = await waitFor(async () => {
      const p = await env.get<TrackingPlan>(ns, 'trackingplan storefront');
      return p?.status?.violations === 3 ? p : undefined;
    }, { timeoutMs: 15_000, what: 'TrackingPlan violations' });
    expect(tp.status?.sources).toEqual(['web']);

    // Malformed requests keep coming, nothing is accepted: the counts move every second,
    // the status at most every 5 s, and after silenceAfter the Source reads as silent.
    const versions = new Set<string>();
    const tick = setInterval(() => {
      ingest.received++;
      ingest.rejected++;
    }, 500);
    let silent: Source;
    const watchStart = Date.now();
    try {
      silent = await waitFor(
        async () => {
          const s = await env.get<Source>(ns, 'source web');
          if (s?.metadata.resourceVersion) versions.add(s.metadata.resourceVersion);
          return condition(s, 'EventsFlowing')?.status === 'False' ? s : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 200, what: 'Source web EventsFlowing=False' },
      );
    } finally {
      clearInterval(tick);
    }
    const watchedS = (Date.now() - watchStart) / 1000;
    expect(versions.size).toBeLessThanOrEqual(Math.floor(watchedS / 5) + 2);
    expect(condition(silent, 'EventsFlowing')).toMatchObject({ reason: 'NoEventsReceived', message: `no events since ${at.replace(/\.\d+Z$/, 'Z')} (silenceAfter 30s)` });
    expect(silent.status?.rejected).toBeGreaterThan(5);

    // The token is fixed: deliveries resume.
    tracker.delivered += 25;
    tracker.lastDeliveryTime = Date.now();
    tracker.lag = 0;
    const recovered = await waitFor(async () => {
      const d = await env.get<Destination>(ns, 'destination meta-ads');
      return condition(d, 'Delivering')?.status === 'True' ? d : undefined;
    }, { timeoutMs: 15_000, what: 'Destination meta-ads Delivering again' });
    expect(recovered.status).toMatchObject({ delivered: 65, lag: 0 });
    await waitFor(async () => condition(await env.get<Destination>(ns, 'destination meta-ads'), 'Ready')?.status === 'True', { timeoutMs: 10_000, what: 'Ready again' });

    const events = await waitFor(async () => {
      const list = (await env.get<KubeList<KubeEvent>>(ns, 'events.events.k8s.io'))?.items ?? [];
      return list.some((e) => e.reason === 'DeliveryRecovered') ? list : undefined;
    }, { timeoutMs: 15_000, what: 'the DeliveryRecovered Event' });
    const seen = events.map((e) => `${e.regarding?.kind}/${e.regarding?.name} ${e.type} ${e.reason}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'Source/web Warning NewViolation',
        'Source/web Warning NoEventsReceived',
        'Destination/meta-ads Warning DeliveryFailing',
        'Destination/meta-ads Normal DeliveryRecovered',
      ]),
    );
    // Each transition once: Ready moving to and from DeliveryFailing leaves the Events to the feed.
    expect(seen.filter((e) => e.includes('DeliveryFailing'))).toHaveLength(1);
    expect(events.find((e) => e.reason === 'NewViolation')?.note).toBe(
      'Order Completed / properties.revenue / type: properties.revenue: expected number, got string (sample messageId m-bad-2)',
    );

    const everything = JSON.stringify([await env.get(ns, 'sources,destinations,trackingplans'), events]);
    for (const secret of [EMAIL, TOKEN, WRITE_KEY]) expect(everything).not.toContain(secret);

    const yaml = await env.cp.kubectlOk(['get', 'source', 'web', '-n', ns, '-o', 'yaml']);
    const describe = await env.cp.kubectlOk(['describe', 'source', 'web', '-n', ns]);
    const dyaml = await env.cp.kubectlOk(['get', 'destination', 'meta-ads', '-n', ns, '-o', 'yaml']);
    const dget = await env.cp.kubectlOk(['get', 'destinations', '-n', ns]);
    console.log(`kubectl get source web -o yaml:\n${yaml.slice(yaml.indexOf('status:'))}\nkubectl describe source web:\n${describe}`);
    console.log(`kubectl get destinations:\n${dget}\nkubectl get destination meta-ads -o yaml:\n${dyaml.slice(dyaml.indexOf('status:'))}`);
  }, 120_000);
});
