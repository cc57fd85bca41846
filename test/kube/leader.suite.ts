import { describe, expect, it } from 'vitest';
import { LeaderElector, Resources, type KubeClient } from '../../operator/src/kube/index.ts';
import { eventually, type KubeEnv } from './env.ts';
import { startFaultProxy } from './proxy.ts';

export function leaderSuite(env: () => KubeEnv): void {
  describe('leader election (15 s / 10 s / 2 s)', () => {
    const candidate = (client: KubeClient, ns: string, identity: string, log: string[]) =>
      new LeaderElector({
        client,
        namespace: ns,
        name: 'sluice-operator',
        identity,
        onStartedLeading: () => void log.push(`${identity} started`),
        onStoppedLeading: () => void log.push(`${identity} stopped`),
      });

    /** Samples both candidates until `until` holds, failing if both ever lead at once. */
    const watchOverlap = async (a: LeaderElector, b: LeaderElector, until: () => boolean, timeoutMs: number) => {
      const end = Date.now() + timeoutMs;
      while (!until()) {
        expect(a.isLeader && b.isLeader, 'two leaders at once').toBe(false);
        if (Date.now() > end) throw new Error(`not settled after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('exactly one of two candidates leads, and the other takes over at once when the leader stops', async () => {
      const ns = await env().namespace('lease');
      const log: string[] = [];
      const a = candidate(env().client, ns, 'op-a', log);
      const b = candidate(env().client, ns, 'op-b', log);
      a.start();
      b.start();
      try {
        await eventually('a leader', () => a.isLeader || b.isLeader);
        const [leader, follower] = a.isLeader ? [a, b] : [b, a];
        const holdUntil = Date.now() + 5_000;
        await watchOverlap(a, b, () => Date.now() > holdUntil, 6_000);
        expect(leader.isLeader).toBe(true);
        const lease = await env().client.resource(Resources.leases).get('sluice-operator', ns);
        expect(lease?.spec).toMatchObject({ holderIdentity: leader.identity, leaseDurationSeconds: 15 });

        const t0 = Date.now();
        await leader.stop();
        await eventually('the follower to lead', () => follower.isLeader, 20_000);
        // Released, so no waiting for the 15 s lease to expire.
        expect(Date.now() - t0).toBeLessThan(5_000);
        expect(log).toEqual([`${leader.identity} started`, `${leader.identity} stopped`, `${follower.identity} started`]);
        const after = await env().client.resource(Resources.leases).get('sluice-operator', ns);
        expect(after?.spec).toMatchObject({ holderIdentity: follower.identity, leaseTransitions: 1 });
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    });

    it('a leader cut off from the API server steps down, and the other takes over within 20 s, never both at once', async () => {
      const ns = await env().namespace('lease-cut');
      const proxy = await startFaultProxy(env().cp.server);
      const log: string[] = [];
      const cutOff = candidate(env().clientFor({ server: proxy.url }), ns, 'op-behind-proxy', log);
      const other = candidate(env().client, ns, 'op-direct', log);
      try {
        cutOff.start();
        await eventually('the first to lead', () => cutOff.isLeader);
        other.start();
        await new Promise((r) => setTimeout(r, 2_500));
        expect(other.isLeader).toBe(false);
        const t0 = Date.now();
        proxy.setDown(true);
        proxy.cut();
        await watchOverlap(cutOff, other, () => other.isLeader, 20_000);
        const took = Date.now() - t0;
        expect(took).toBeLessThan(20_000);
        // It waited for the lease to expire instead of stealing it.
        expect(took).toBeGreaterThan(8_000);
        expect(log.slice(0, 3)).toEqual(['op-behind-proxy started', 'op-behind-proxy stopped', 'op-direct started']);
      } finally {
        await Promise.all([cutOff.stop(), other.stop()]);
        await proxy.close();
      }
    });
  });
}
