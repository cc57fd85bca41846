import { collectDefaultMetrics, Registry } from 'prom-client';
import { NatsProvisioner } from './bus/index.ts';
import { CONTROLLERS, createInformers, informersSynced, NO_BUS_JANITOR, startInformers, stopInformers, type BusJanitor, type ControllerDeps } from './controllers/index.ts';
import { startFeedback } from './feedback/index.ts';
import { closeServer, healthServer, listenOn, metricsServer } from './http.ts';
import { parseBusUrl } from '../../runtime/src/cluster/bus-url.ts';
import {
  defaultIdentity,
  EventRecorder,
  KubeClient,
  LeaderElector,
  loadClusterConfig,
  runController,
  silentLogger,
  type Controller,
  type Logger,
} from './kube/index.ts';

export interface OperatorOptions {
  kubeconfig?: string;
  /** Watch one namespace; all when undefined. */
  namespace?: string;
  runtimeImage: string;
  busUrl: string;
  leaderElect: boolean;
  /** Default: POD_NAMESPACE, else the kubeconfig's namespace. */
  leaseNamespace?: string;
  leaseName: string;
  metricsPort: number;
  healthPort: number;
  bindAddress: string;
  workers: number;
  identity?: string;
  log?: Logger;
  /**
   * NATS the operator provisions streams and consumers on (and removes them from when
   * resources are deleted). Without it runtime pods create what they need and nothing is
   * cleaned up.
   */
  natsUrl?: string;
  /** Cleans up bus resources of deleted Sources and Destinations; by default the NATS provisioner, else none. */
  janitor?: BusJanitor;
  /** Informer resync period (default 10 min). */
  resyncMs?: number;
  /**
   * Listen for the runtime pods' stats (on natsUrl, else busUrl when it is NATS) and report
   * them in status and Events (default true).
   */
  feedback?: boolean;
}

export interface Operator {
  readonly identity: string;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly registry: Registry;
  isLeader(): boolean;
  /** Resolves when the operator ends by itself: 'lost' when it lost the Lease without being asked. */
  readonly ended: Promise<'lost'>;
  /** Graceful: stop the controllers, release the Lease, flush Events, stop watching, close the ports. */
  stop(): Promise<void>;
}

/**
 * The operator process: warm informer caches on every replica, the controllers only while
 * this replica holds the Lease (or always, without leader election), metrics and health
 * on their own ports.
 */
export async function startOperator(opts: OperatorOptions): Promise<Operator> {
  const log = opts.log ?? silentLogger;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_operator_process_' });
  const config = loadClusterConfig(opts.kubeconfig ? { path: opts.kubeconfig } : {});
  const client = new KubeClient(config, { registry });
  const identity = opts.identity ?? defaultIdentity();
  const informers = createInformers(client, {
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
    log,
  });
  const recorder = new EventRecorder({ client, instance: identity, log });
  const bus = opts.natsUrl ? new NatsProvisioner({ url: opts.natsUrl, log }) : undefined;
  if (!bus) log.info('bus provisioning off: no NATS URL; runtime pods create their streams and consumers, deleted resources leave theirs on the bus');
  let leading = false;
  const statsServers = opts.feedback === false ? undefined : natsServers(opts.natsUrl ?? opts.busUrl);
  const feedback = statsServers && startFeedback({ servers: statsServers, informers, recorder, leading: () => leading, log });
  const deps: ControllerDeps = {
    client,
    informers,
    recorder,
    workload: { image: opts.runtimeImage, busUrl: opts.busUrl },
    janitor: opts.janitor ?? bus ?? NO_BUS_JANITOR,
    ...(bus ? { bus } : {}),
    ...(feedback ? { feed: feedback.feed } : {}),
    now: () => new Date(),
  };

  let stopping = false;
  const health = healthServer({ live: () => true, ready: () => !stopping && informersSynced(informers) });
  const metrics = metricsServer(registry);
  const healthPort = await listenOn(health, opts.healthPort, opts.bindAddress, 'health checks');
  const metricsPort = await listenOn(metrics, opts.metricsPort, opts.bindAddress, 'metrics');
  startInformers(informers);
  log.info('operator started', { identity, namespace: opts.namespace ?? '(all)', healthPort, metricsPort, leaderElect: opts.leaderElect });

  let controllers: Controller[] = [];
  const startControllers = () => {
    leading = true;
    controllers = CONTROLLERS.map((make) => runController({ ...make(deps), workers: opts.workers, registry, log }));
  };
  const stopControllers = async () => {
    leading = false;
    const running = controllers;
    controllers = [];
    await Promise.all(running.map((c) => c.stop()));
  };

  let lost: (v: 'lost') => void = () => {};
  const ended = new Promise<'lost'>((r) => (lost = r));
  let elector: LeaderElector | undefined;
  if (opts.leaderElect) {
    elector = new LeaderElector({
      client,
      namespace: opts.leaseNamespace ?? (process.env.POD_NAMESPACE || config.namespace),
      name: opts.leaseName,
      identity,
      registry,
      log,
      onStartedLeading: (term) => {
        startControllers();
        term.addEventListener('abort', () => void stopControllers(), { once: true });
      },
      onStoppedLeading: async () => {
        await stopControllers();
        if (!stopping) lost('lost');
      },
      onNewLeader: (leader) => log.info('leader observed', { leader }),
    });
    elector.start();
  } else {
    startControllers();
  }

  return {
    identity,
    metricsPort,
    healthPort,
    registry,
    isLeader: () => (elector ? elector.isLeader : !stopping),
    ended,
    async stop() {
      if (stopping) return;
      stopping = true;
      log.info('stopping');
      // Controllers first, so a successor never reconciles alongside us; then hand the Lease over.
      await stopControllers();
      await elector?.stop();
      await feedback?.subscription.stop();
      await recorder.flush();
      await stopInformers(informers);
      await bus?.close();
      await Promise.all([closeServer(health), closeServer(metrics)]);
      log.info('stopped');
    },
  };
}

/** The NATS servers of a bus URL; none for the embedded bus (its pods run without an operator) or a URL that does not parse. */
function natsServers(url: string): string[] | undefined {
  try {
    const target = parseBusUrl(url);
    return target.engine === 'nats' ? target.servers : undefined;
  } catch {
    return undefined;
  }
}
