// A real Kubernetes control plane for integration tests, started the way controller-runtime's
// envtest does it: openssl-made certificates, etcd and kube-apiserver (plus, by default,
// kube-controller-manager, and optionally kube-scheduler and kwok) as child processes on free
// loopback ports, each logging to a file in a temporary directory.
//
// The binaries are built by `make controlplane` (scripts/controlplane.sh) into
// ~/.cache/sluice/controlplane/<version>/bin. Node built-ins only.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Kill kubectl after this long (default 60 s); the result then has code 124. */
  timeoutMs?: number;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  /** kubectl's exit code; never thrown, so tests can assert on failures too. */
  code: number;
}

export interface ControlPlane {
  /** Path of a kubeconfig (admin, O=system:masters, certificates embedded) for kubectl and
   * @kubernetes/client-node (`kc.loadFromFile(cp.kubeconfig)`). */
  kubeconfig: string;
  /** The API server's URL, https://127.0.0.1:<port>. */
  server: string;
  /** Directory holding kube-apiserver, kubectl, helm, kwok, … */
  binDir: string;
  /** Temporary directory with certificates, etcd data and one log file per component
   * (etcd.log, kube-apiserver.log, …). Removed by stop(). */
  dir: string;
  /** PEM of the cluster CA, admin client certificate and key (for hand-made HTTPS clients). */
  ca: string;
  clientCert: string;
  clientKey: string;
  /** Runs `kubectl --kubeconfig <kubeconfig> ...args`. */
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Like kubectl() but throws (with stderr) on a non-zero exit; returns stdout. */
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<string>;
  /** Last lines of a component's log, e.g. logTail('kube-controller-manager'). */
  logTail(component: string, lines?: number): string;
  /** SIGTERM then SIGKILL every process, then remove `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Run kube-controller-manager (garbage collector, Deployment/ReplicaSet, namespaces, service
   * accounts, …). Default true. */
  controllerManager?: boolean;
  /** Run kube-scheduler. Default false, or true when kwok is on. */
  scheduler?: boolean;
  /** Run kwok: Nodes annotated `kwok.x-k8s.io/node: fake` become Ready and Pods bound to them
   * become Running (see fakeNodeManifest). Default false. */
  kwok?: boolean;
  /** Progress lines ("etcd ready in 1.2s"). */
  log?: (line: string) => void;
  /** How long each component may take to become healthy. Default 180 s (2 loaded cores). */
  startTimeoutMs?: number;
  /** Keep `dir` (logs, etcd data) after stop(); also set by SLUICE_KEEP_CONTROLPLANE=1. */
  keepDir?: boolean;
  /** Extra kube-controller-manager flags, after the harness's own (a later flag wins), e.g.
   * `--kube-api-qps=500` so the controllers' client limit does not pace a benchmark. */
  controllerManagerArgs?: string[];
  /** kube-apiserver's --service-cluster-ip-range. Default 10.0.0.0/24 (~250 Services). */
  serviceClusterIpRange?: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const script = join(repoRoot, 'scripts/controlplane.sh');
const requiredBinaries = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'];

/** Annotation that makes kwok manage a Node. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';

/** A Node object for kwok to manage (apply it with `kubectl apply -f -`). Pods need the
 * matching toleration only if you keep the taint (`taint: true`). */
export function fakeNodeManifest(name: string, opts: { taint?: boolean; labels?: Record<string, string> } = {}): string {
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...opts.labels,
      },
    },
    spec: opts.taint ? { taints: [{ key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' }] } : {},
    status: {
      allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
      capacity: { cpu: '32', memory: '256Gi', pods: '110' },
    },
  };
  return JSON.stringify(node);
}

/** The directory holding the control-plane binaries (`scripts/controlplane.sh path`). Honours
 * SLUICE_CONTROLPLANE_BIN to use binaries from elsewhere. */
export async function controlPlaneBinDir(): Promise<string> {
  const override = process.env.SLUICE_CONTROLPLANE_BIN;
  if (override) return override;
  const { stdout } = await run('bash', [script, 'path'], { timeoutMs: 10_000 });
  return stdout.trim();
}

async function findBinaries(needKwok: boolean): Promise<string> {
  const binDir = await controlPlaneBinDir();
  const names = needKwok ? [...requiredBinaries, 'kwok', 'kwok-stages.yaml'] : requiredBinaries;
  const missing = names.filter((n) => !existsSync(join(binDir, n)));
  if (missing.length > 0) {
    throw new Error(
      `Kubernetes control-plane binaries missing in ${binDir}: ${missing.join(', ')}. ` +
        'Run `make controlplane` (scripts/controlplane.sh build) first; the first build takes 5-15 minutes.',
    );
  }
  if (!process.env.SLUICE_CONTROLPLANE_BIN) {
    const status = await run('bash', [script, 'status'], { timeoutMs: 10_000 });
    if (status.code !== 0) {
      throw new Error(
        `Kubernetes control-plane binaries in ${binDir} are out of date with test/controlplane/go.mod: ` +
          `${status.stderr.trim()}. Run \`make controlplane\`.`,
      );
    }
  }
  return binDir;
}

interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      cmd,
      args,
      {
        timeout: opts.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...opts.env },
        cwd: opts.cwd,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number' && !err.killed) {
          reject(new Error(`${cmd}: ${err.message}`, { cause: err }));
          return;
        }
        const code = err ? (err.killed ? 124 : typeof err.code === 'number' ? err.code : 1) : 0;
        resolvePromise({ stdout, stderr: err?.killed ? `${stderr}\n(killed after ${opts.timeoutMs ?? 60_000} ms)` : stderr, code });
      },
    );
    // A command that exits without reading its input closes the pipe first: its exit status tells.
    child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

async function openssl(dir: string, args: string[]): Promise<void> {
  const r = await run('openssl', args, { cwd: dir, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; it is released before use, as envtest does). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolvePromise(addr.port);
        else reject(new Error('no port'));
      });
    });
  });
}

interface Pki {
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  clientCert: string;
  clientKey: string;
  frontProxyCert: string;
  frontProxyKey: string;
  saKey: string;
  saPub: string;
}

async function makePki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const p = (f: string) => join(dir, f);
  await openssl(dir, ['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.crt'), '-days', '7', '-subj', '/CN=sluice-test-ca']);
  await writeFile(
    p('serving.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local',
      '',
    ].join('\n'),
  );
  await writeFile(
    p('client.ext'),
    ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth', ''].join('\n'),
  );
  const issue = async (name: string, subj: string, ext: string) => {
    await openssl(dir, ['req', '-new', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subj]);
    await openssl(dir, [
      'x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-days', '7', '-sha256', '-extfile', p(ext), '-out', p(`${name}.crt`),
    ]);
  };
  await issue('serving', '/CN=kube-apiserver', 'serving.ext');
  await issue('admin', '/O=system:masters/CN=sluice-test-admin', 'client.ext');
  await issue('front-proxy', '/CN=front-proxy-client', 'client.ext');
  await openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', p('sa.key')]);
  await openssl(dir, ['pkey', '-in', p('sa.key'), '-pubout', '-out', p('sa.pub')]);
  return {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('serving.crt'),
    servingKey: p('serving.key'),
    clientCert: p('admin.crt'),
    clientKey: p('admin.key'),
    frontProxyCert: p('front-proxy.crt'),
    frontProxyKey: p('front-proxy.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
}

function kubeconfigYaml(server: string, ca: string, cert: string, key: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  // JSON is YAML; both kubectl and @kubernetes/client-node read it.
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'sluice-test', cluster: { server, 'certificate-authority-data': b64(ca) } }],
      users: [{ name: 'sluice-test-admin', user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
      contexts: [{ name: 'sluice-test', context: { cluster: 'sluice-test', user: 'sluice-test-admin', namespace: 'default' } }],
      'current-context': 'sluice-test',
      preferences: {},
    },
    null,
    2,
  );
}

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<void>;
  exitInfo: string | undefined;
}

function tail(file: string, lines: number): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function get(
  url: string,
  tls: { ca?: string; cert?: string; key?: string; insecure?: boolean } | undefined,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const options = {
      timeout: timeoutMs,
      ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure } : {}),
    };
    const req = (tls ? request : httpRequest)(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const live = new Set<{ procs: Proc[]; dir: string; keep: boolean }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL what is left and remove the temp dirs. The
  // per-control-plane watchdog covers the test process dying without running them.
  process.on('exit', () => {
    for (const cp of live) {
      for (const p of cp.procs) {
        if (p.child.exitCode === null && p.child.signalCode === null && p.child.pid) {
          try {
            process.kill(p.child.pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      if (!cp.keep) rmSync(cp.dir, { recursive: true, force: true });
    }
  });
}

// A detached shell that outlives a SIGKILLed test process: once that process is gone and
// `dir` still exists (stop() never ran), it kills every pid listed in dir/pids and removes dir.
function startWatchdog(dir: string, keep: boolean): ChildProcess {
  const sh = [
    'while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done',
    '[ -d "$2" ] || exit 0',
    'pids=$(cat "$2/pids" 2>/dev/null)',
    '[ -n "$pids" ] && kill -TERM $pids 2>/dev/null',
    'sleep 3',
    '[ -n "$pids" ] && kill -KILL $pids 2>/dev/null',
    '[ "$3" = keep ] || rm -rf "$2"',
  ].join('\n');
  const w = spawn('sh', ['-c', sh, 'sluice-controlplane-watchdog', String(process.pid), dir, keep ? 'keep' : 'rm'], {
    detached: true,
    stdio: 'ignore',
  });
  w.unref();
  return w;
}

/**
 * Starts etcd, kube-apiserver and (by default) kube-controller-manager on free 127.0.0.1
 * ports and resolves once each is healthy (`/readyz`, `/healthz`). Throws with the tail of
 * the failing component's log on exit or timeout, having stopped everything it started.
 */
export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const withKcm = opts.controllerManager ?? true;
  const withKwok = opts.kwok ?? false;
  const withScheduler = opts.scheduler ?? withKwok;
  const log = opts.log ?? (() => {});
  const timeoutMs = opts.startTimeoutMs ?? 180_000;
  const keep = opts.keepDir ?? process.env.SLUICE_KEEP_CONTROLPLANE === '1';

  const binDir = await findBinaries(withKwok);
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cp-'));
  const procs: Proc[] = [];
  const entry = { procs, dir, keep };
  live.add(entry);
  installExitHook();
  const watchdog = startWatchdog(dir, keep);
  const pidsFile = join(dir, 'pids');
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // Controllers first, etcd last, all in parallel within each group.
    const order = [['kwok', 'kube-scheduler', 'kube-controller-manager'], ['kube-apiserver'], ['etcd']];
    for (const group of order) {
      await Promise.all(
        procs
          .filter((p) => group.includes(p.name))
          .map(async (p) => {
            if (p.exitInfo !== undefined) return;
            // Children are unref'd so they never hold the test process open; while stopping
            // they must, or a plain `node` script would exit before they are reaped.
            p.child.ref();
            p.child.kill('SIGTERM');
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 5_000)));
            const outcome = await Promise.race([p.exited.then(() => 'exited' as const), timeout]);
            clearTimeout(timer);
            if (outcome === 'timeout') {
              p.child.kill('SIGKILL');
              await p.exited;
            }
          }),
      );
    }
    live.delete(entry);
    if (!keep) await rm(dir, { recursive: true, force: true });
    else log(`control plane files kept in ${dir}`);
    try {
      if (watchdog.pid) process.kill(watchdog.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };

  const startProc = async (name: string, args: string[]): Promise<Proc> => {
    const logFile = join(dir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(join(binDir, name), args, { stdio: ['ignore', fd, fd], cwd: dir, env: { ...process.env } });
    } finally {
      closeSync(fd);
    }
    child.unref();
    const proc: Proc = { name, child, logFile, exitInfo: undefined, exited: Promise.resolve() };
    proc.exited = new Promise<void>((r) => {
      child.on('exit', (code, signal) => {
        proc.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
        r();
      });
      child.on('error', (err) => {
        proc.exitInfo = `failed to start: ${err.message}`;
        r();
      });
    });
    procs.push(proc);
    if (child.pid) await writeFile(pidsFile, `${child.pid}\n`, { flag: 'a' });
    return proc;
  };

  const waitHealthy = async (
    proc: Proc,
    probe: () => Promise<{ status: number; body: string }>,
    what: string,
  ): Promise<void> => {
    const t0 = Date.now();
    let last: string | undefined;
    for (;;) {
      if (proc.exitInfo !== undefined) {
        throw new Error(`${proc.name} ${proc.exitInfo} before becoming ready. Last lines of ${proc.logFile}:\n${tail(proc.logFile, 40)}`);
      }
      try {
        const r = await probe();
        if (r.status === 200) break;
        last = `HTTP ${r.status}: ${r.body.trim().split('\n').filter((l) => l.includes('failed') || l.startsWith('[-]')).join('; ') || r.body.slice(0, 300)}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() - t0 > timeoutMs) {
        throw new Error(
          `${proc.name} not ready after ${timeoutMs / 1000}s (${what}: ${last ?? 'no answer'}). Last lines of ${proc.logFile}:\n${tail(proc.logFile, 40)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    log(`${proc.name} ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  };

  try {
    const pki = await makePki(join(dir, 'pki'));
    const [caPem, certPem, keyPem] = await Promise.all([
      readFile(pki.caCert, 'utf8'),
      readFile(pki.clientCert, 'utf8'),
      readFile(pki.clientKey, 'utf8'),
    ]);
    const adminTls = { ca: caPem, cert: certPem, key: keyPem };

    // etcd
    const etcdClient = await freePort();
    const etcdPeer = await freePort();
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    const etcd = await startProc('etcd', [
      '--name=sluice-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=sluice-test=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=8589934592',
      '--log-level=warn',
    ]);
    await waitHealthy(etcd, () => get(`${etcdUrl}/health`, undefined, 5_000), 'GET /health');

    // kube-apiserver
    const apiPort = await freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    const apiserver = await startProc('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${join(dir, 'apiserver')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--service-cluster-ip-range=${opts.serviceClusterIpRange ?? '10.0.0.0/24'}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      `--service-account-issuer=${server}`,
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      // Front-proxy (request-header) authentication, as kubeadm sets it up: the aggregator can
      // proxy to extension API servers, and the components that delegate authentication
      // (controller-manager, scheduler) find the CA they look up in
      // kube-system/extension-apiserver-authentication.
      `--requestheader-client-ca-file=${pki.caCert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyCert}`,
      `--proxy-client-key-file=${pki.frontProxyKey}`,
      // Without kube-controller-manager nothing creates the "default" ServiceAccount that this
      // admission plugin requires for every Pod (envtest disables it for the same reason).
      ...(withKcm ? [] : ['--disable-admission-plugins=ServiceAccount']),
      '--profiling=false',
      '--v=1',
    ]);
    await waitHealthy(apiserver, () => get(`${server}/readyz`, adminTls, 10_000), 'GET /readyz');

    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server, caPem, certPem, keyPem), { mode: 0o600 });

    // kube-controller-manager and kube-scheduler authenticate as the admin; their own
    // /healthz is served on a free port with a self-signed certificate.
    const componentArgs = async (name: string) => {
      const port = await freePort();
      return {
        port,
        args: [
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${port}`,
          `--cert-dir=${join(dir, name)}`,
          '--profiling=false',
          '--v=1',
        ],
      };
    };
    const starting: Promise<void>[] = [];
    if (withKcm) {
      const { port, args } = await componentArgs('kube-controller-manager');
      const kcm = await startProc('kube-controller-manager', [
        ...args,
        `--root-ca-file=${pki.caCert}`,
        `--service-account-private-key-file=${pki.saKey}`,
        `--cluster-signing-cert-file=${pki.caCert}`,
        `--cluster-signing-key-file=${pki.caKey}`,
        '--controllers=*',
        ...(opts.controllerManagerArgs ?? []),
      ]);
      starting.push(waitHealthy(kcm, () => get(`https://127.0.0.1:${port}/healthz`, { insecure: true }, 5_000), 'GET /healthz'));
    }
    if (withScheduler) {
      const { port, args } = await componentArgs('kube-scheduler');
      const sched = await startProc('kube-scheduler', args);
      starting.push(waitHealthy(sched, () => get(`https://127.0.0.1:${port}/healthz`, { insecure: true }, 5_000), 'GET /healthz'));
    }
    if (withKwok) {
      const cfg = join(dir, 'kwok.yaml');
      const stages = await readFile(join(binDir, 'kwok-stages.yaml'), 'utf8');
      await writeFile(cfg, stages);
      const port = await freePort();
      const kwok = await startProc('kwok', [
        `--config=${cfg}`,
        `--kubeconfig=${kubeconfig}`,
        `--server-address=127.0.0.1:${port}`,
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-lease-duration-seconds=40',
        '--cidr=10.0.1.0/24',
        '--node-ip=127.0.0.1',
      ]);
      starting.push(waitHealthy(kwok, () => get(`http://127.0.0.1:${port}/healthz`, undefined, 5_000), 'GET /healthz'));
    }
    await Promise.all(starting);

    const kubectl = (args: string[], o: KubectlOptions = {}) =>
      run(join(binDir, 'kubectl'), [`--kubeconfig=${kubeconfig}`, ...args], {
        input: o.input,
        timeoutMs: o.timeoutMs ?? 60_000,
        env: { KUBECACHEDIR: join(dir, 'kubectl-cache'), ...o.env },
      });
    return {
      kubeconfig,
      server,
      binDir,
      dir,
      ca: caPem,
      clientCert: certPem,
      clientKey: keyPem,
      kubectl,
      async kubectlOk(args, o) {
        const r = await kubectl(args, o);
        if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
        return r.stdout;
      },
      logTail: (component, lines = 40) => tail(join(dir, `${component}.log`), lines),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
