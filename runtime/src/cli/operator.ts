import { startOperator } from '../../../operator/src/main.ts';
import { jsonLogger } from '../../../operator/src/kube/index.ts';
import { BusUrlError, parseBusUrl } from '../cluster/bus-url.ts';
import { portOption, untilSignal, UsageError } from '../cluster/signals.ts';
import type { Command } from './commands.ts';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const operatorCommand: Command = {
  name: 'operator',
  options: {
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' },
    'runtime-image': { type: 'string' },
    'bus-url': { type: 'string', default: 'nats://sluice-nats:4222' },
    'nats-url': { type: 'string' },
    'leader-elect': { type: 'string', default: 'true' },
    'lease-namespace': { type: 'string' },
    'lease-name': { type: 'string', default: 'sluice-operator' },
    'metrics-port': { type: 'string', default: '8081' },
    'health-port': { type: 'string', default: '8082' },
    'bind-address': { type: 'string', default: '0.0.0.0' },
    workers: { type: 'string', default: '4' },
    'log-level': { type: 'string', default: 'info' },
  },
  help: `Usage: sluice operator [options]

Watches Sources, Destinations and TrackingPlans and runs each as Kubernetes objects:
a ConfigMap, Deployment (sluice ingest), Service and PodDisruptionBudget per Source; a
ConfigMap and Deployment (sluice deliver) per Destination. Status follows kstatus
(Ready, Reconciling, Stalled), so kubectl wait, Argo CD and Flux understand it.

Options:
      --kubeconfig <path>        kubeconfig (default: $KUBECONFIG, the pod's service account, ~/.kube/config)
      --namespace <ns>           watch only this namespace (default: all)
      --runtime-image <image>    image of the ingest and delivery pods (default: $SLUICE_RUNTIME_IMAGE, else sluice:0.1.0)
      --bus-url <url>            bus the runtime pods use (default nats://sluice-nats:4222); when it is NATS
                                 and --nats-url is not set, the operator also reads the pods' stats there
      --nats-url <url>           NATS the operator creates and removes streams and consumers on, usually
                                 the --bus-url (default: none; runtime pods create what they need and
                                 deleted resources leave theirs behind)
      --leader-elect=<bool>      reconcile only while holding the Lease (default true)
      --lease-namespace <ns>     namespace of the Lease (default: $POD_NAMESPACE, else the kubeconfig's)
      --lease-name <name>        name of the Lease (default sluice-operator)
      --metrics-port <port>      serves /metrics (default 8081)
      --health-port <port>       serves /healthz and /readyz (default 8082)
      --bind-address <addr>      address both ports listen on (default 0.0.0.0)
      --workers <n>              concurrent reconciles per controller (default 4)
      --log-level <level>        debug, info, warn or error (default info); JSON lines on stderr
  -h, --help                     this help
`,
  async run(values) {
    const fail = (message: string) => {
      process.stderr.write(`sluice operator: ${message}\n`);
      return 2;
    };
    const level = String(values['log-level']);
    if (!(LEVELS as readonly string[]).includes(level)) return fail(`--log-level "${level}": expected one of ${LEVELS.join(', ')}`);
    const elect = String(values['leader-elect']);
    if (elect !== 'true' && elect !== 'false') return fail(`--leader-elect "${elect}": expected true or false`);
    const workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) return fail(`--workers "${String(values.workers)}": expected a whole number from 1 to 64`);
    let metricsPort: number;
    let healthPort: number;
    try {
      metricsPort = portOption('metrics-port', values['metrics-port']);
      healthPort = portOption('health-port', values['health-port']);
    } catch (err) {
      if (err instanceof UsageError) return fail(err.message);
      throw err;
    }
    const opt = (name: string): string | undefined => (typeof values[name] === 'string' && values[name] !== '' ? values[name] : undefined);
    const kubeconfig = opt('kubeconfig');
    const namespace = opt('namespace');
    const leaseNamespace = opt('lease-namespace');
    const natsUrl = opt('nats-url');
    if (natsUrl) {
      try {
        if (parseBusUrl(natsUrl).engine !== 'nats') return fail('--nats-url: expected nats://host:4222 (several comma-separated)');
      } catch (err) {
        if (err instanceof BusUrlError) return fail(`--nats-url: ${err.message}`);
        throw err;
      }
    }
    const log = jsonLogger({ level: level as (typeof LEVELS)[number] }, { component: 'operator' });
    const operator = await startOperator({
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(namespace ? { namespace } : {}),
      runtimeImage: opt('runtime-image') ?? (process.env.SLUICE_RUNTIME_IMAGE || 'sluice:0.1.0'),
      busUrl: String(values['bus-url']),
      ...(natsUrl ? { natsUrl } : {}),
      leaderElect: elect === 'true',
      ...(leaseNamespace ? { leaseNamespace } : {}),
      leaseName: String(values['lease-name']),
      metricsPort,
      healthPort,
      bindAddress: String(values['bind-address']),
      workers,
      log,
    });
    const bySignal = untilSignal(() => operator.stop(), (err) => log.error(err.message));
    return Promise.race([
      bySignal,
      operator.ended.then(async () => {
        log.error('lost the Lease without being asked to stop; exiting so a fresh process campaigns again');
        await operator.stop();
        return 1;
      }),
    ]);
  },
};
