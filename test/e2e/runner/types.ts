import type { Container, PodSpec } from '../../../operator/src/kube/index.ts';

export type Volume = NonNullable<PodSpec['volumes']>[number];
export type VolumeMount = NonNullable<Container['volumeMounts']>[number];
export type EnvVar = NonNullable<Container['env']>[number];
export type EnvFrom = NonNullable<Container['envFrom']>[number];
export type ContainerPort = NonNullable<Container['ports']>[number];

/**
 * What an image is on this machine. The runner never pulls images: a test says how each
 * image it expects runs locally, e.g. `sluice:*` → `node runtime/src/cli/main.ts`.
 */
export interface ImageRuntime {
  /** The image's ENTRYPOINT as a local command (argv[0] absolute, or found on PATH). */
  entrypoint: string[];
  /** The image's CMD: the arguments used when the container sets neither `command` nor `args`. */
  cmd?: string[];
  /** Executables inside the image by the name a container `command` uses them,
   * e.g. `{ node: process.execPath }`; matched on the full name, then its last path segment. */
  binaries?: Record<string, string>;
  /** The image's WORKDIR as a local directory; the runner's own cwd when omitted. */
  cwd?: string;
  /** The image's ENV; container env wins. */
  env?: Record<string, string>;
}

/** Maps a container image reference to how it runs here; undefined means "unknown image". */
export type ImageMap = (image: string) => ImageRuntime | undefined;

/** Which host port stands for a container port; undefined lets the runner pick a free one. */
export type PortMap = (p: { namespace: string; pod: string; container: string; containerPort: number }) => number | undefined;

export interface PodRunnerOptions {
  /** Kubeconfig of the control plane (admin). */
  kubeconfig: string;
  /** Run only Pods of this namespace; all namespaces when omitted. */
  namespace?: string;
  /** The Node this runner is the kubelet of (created and kept Ready). Default "sluice-pod-runner". */
  nodeName?: string;
  imageMap: ImageMap;
  portMap?: PortMap;
  /** Bind Pods nobody scheduled to this runner's Node (there is no kube-scheduler by
   * default). Default true. */
  bind?: boolean;
  /** Restart delay after a container exits: doubles from `initialMs` to `maxMs`, and starts
   * over once a container ran for `resetAfterMs`. Default 1 s, 10 s, 30 s (the kubelet uses
   * 10 s, 5 min, 10 min; tests want faster). */
  restartBackoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** Upper bound on how long a terminating Pod's processes get after SIGTERM, whatever the
   * Pod's grace period says. Default 30 s. */
  maxGraceMs?: number;
  /** Progress lines: pods started, containers exited, statuses written. */
  log?: (line: string) => void;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface ContainerInfo {
  name: string;
  /** The running process, if any. */
  pid: number | undefined;
  ready: boolean;
  restartCount: number;
  /** containerPort → 127.0.0.1 port on this machine. */
  ports: Record<number, number>;
}

export interface PodProcess {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  phase: PodPhase;
  /** Deletion started: SIGTERM sent or about to be. */
  terminating: boolean;
  /** Every container ready. */
  ready: boolean;
  containers: ContainerInfo[];
  /** The Pod's working directory: volumes and each container's view of its mounts. */
  dir: string;
}

export interface PodRef {
  /** Needed only when the runner watches several namespaces and the name is ambiguous. */
  namespace?: string;
  /** Defaults to the Pod's first container. */
  container?: string;
}

export type Selector = Record<string, string> | string;

export interface PodRunner {
  readonly nodeName: string;
  /** Working directory: pods, logs, persistent volume claims. Removed by stop(). */
  readonly dir: string;
  /** Every Pod this runner runs, terminating ones included. */
  processes(): PodProcess[];
  /** Resolves once exactly `n` Pods match `selector`, each running and ready, and no other
   * matching Pod is left (terminating ones included). */
  waitForPods(selector: Selector, n: number, opts?: { namespace?: string; timeoutMs?: number }): Promise<PodProcess[]>;
  /** "127.0.0.1:<port>" where a container port (number or name) of a Pod is reachable. */
  endpoint(pod: string, containerPort: number | string, ref?: PodRef): string;
  /** Addresses of the ready, non-terminating Pods behind a Service, for one of its ports
   * (name or number; the first when omitted): what the Service would balance over. */
  serviceEndpoints(service: string, opts?: { namespace?: string; port?: number | string }): Promise<string[]>;
  /** SIGKILLs a container's process (the whole process group); returns its pid. */
  kill9(pod: string, ref?: PodRef): number;
  /** Output (stdout and stderr) of a container; `previous` is the run before the last restart. */
  logs(pod: string, ref?: PodRef & { previous?: boolean }): string;
  /** Stops watching, SIGTERMs every process (SIGKILL after a few seconds) and removes `dir`.
   * Pods stay in the API, as when a kubelet goes away. */
  stop(): Promise<void>;
}
