// Readiness, liveness and startup probes against a local process, on the probe's own
// schedule. Two departures from the kubelet, both documented in the README: an exec probe
// counts as passing (the command would run inside an image we do not have), and until its
// first pass a readiness probe is tried every 500 ms rather than every period, so pods
// become ready as soon as they are (the verdict rules are unchanged).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Probe } from '../../../operator/src/kube/index.ts';
import { POD_IP } from './env.ts';
import { initialProbeState, probeStep, probeTiming, type ProbeState } from './policy.ts';

export type ProbeKind = 'readiness' | 'liveness' | 'startup';

/** One attempt: resolves true on a pass, false on a failure or after `timeoutMs`. */
export type ProbeCheck = (timeoutMs: number) => Promise<boolean>;

function httpCheck(port: number, get: NonNullable<Probe['httpGet']>): ProbeCheck {
  const https = (get.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const headers = Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value]));
  return (timeoutMs) =>
    new Promise((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(
        { host: POD_IP, port, path: get.path ?? '/', method: 'GET', headers: { 'User-Agent': 'kube-probe/1.33', ...headers }, timeout: timeoutMs, rejectUnauthorized: false },
        (res) => {
          res.resume();
          const code = res.statusCode ?? 0;
          resolve(code >= 200 && code < 400);
        },
      );
      req.on('timeout', () => req.destroy(new Error('probe timed out')));
      req.on('error', () => resolve(false));
      req.end();
    });
}

function tcpCheck(port: number): ProbeCheck {
  return (timeoutMs) =>
    new Promise((resolve) => {
      const sock = connect({ host: POD_IP, port, timeout: timeoutMs });
      const done = (ok: boolean) => {
        sock.destroy();
        resolve(ok);
      };
      sock.once('connect', () => done(true));
      sock.once('timeout', () => done(false));
      sock.once('error', () => done(false));
    });
}

/** The check for a probe, with its port (number or name) already mapped to a host port. */
export function probeCheck(probe: Probe, hostPort: (port: number | string) => number | undefined): ProbeCheck {
  const target = probe.httpGet ?? probe.tcpSocket ?? (probe.grpc ? { port: probe.grpc.port } : undefined);
  if (!target) return () => Promise.resolve(true);
  const port = hostPort(target.port);
  if (port === undefined) return () => Promise.resolve(false);
  // A gRPC health check needs a gRPC client; reaching the port is the closest stand-in.
  return probe.httpGet ? httpCheck(port, probe.httpGet) : tcpCheck(port);
}

const FAST_MS = 500;

/** Runs one probe until stop(), reporting every attempt's resulting state. */
export class Prober {
  private state: ProbeState;
  private readonly abort = new AbortController();
  private readonly kind: ProbeKind;
  private readonly probe: Probe;
  private readonly check: ProbeCheck;
  private readonly onResult: (s: ProbeState) => void;

  constructor(kind: ProbeKind, probe: Probe, check: ProbeCheck, onResult: (s: ProbeState) => void) {
    this.kind = kind;
    this.probe = probe;
    this.check = check;
    this.onResult = onResult;
    this.state = initialProbeState(kind);
  }

  get ok(): boolean {
    return this.state.ok;
  }

  start(): void {
    void this.loop().catch(() => {});
  }

  stop(): void {
    this.abort.abort();
  }

  private async loop(): Promise<void> {
    const { initialDelayMs, periodMs, timeoutMs } = probeTiming(this.probe);
    const signal = this.abort.signal;
    if (initialDelayMs > 0) await sleep(initialDelayMs, undefined, { signal });
    let everPassed = false;
    while (!signal.aborted) {
      const passed = await this.check(timeoutMs).catch(() => false);
      if (signal.aborted) return;
      everPassed ||= passed;
      this.state = probeStep(this.state, passed, this.probe);
      this.onResult(this.state);
      const fast = this.kind === 'readiness' && !everPassed;
      await sleep(fast ? Math.min(FAST_MS, periodMs) : periodMs, undefined, { signal });
    }
  }
}
