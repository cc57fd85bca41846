// The kube layer against a real kube-apiserver (test/controlplane): one control plane for
// every suite, started once because it costs seconds of CPU on a shared machine.
import { afterAll, beforeAll, describe } from 'vitest';
import { startKubeEnv, type KubeEnv } from './env.ts';
import { informerRestartSuite, informerSuite } from './informer.suite.ts';
import { controllerSuite } from './controller.suite.ts';
import { leaderSuite } from './leader.suite.ts';
import { writeSuite } from './write.suite.ts';

describe('kube layer', () => {
  let env: KubeEnv | undefined;
  const get = (): KubeEnv => {
    if (!env) throw new Error('the control plane did not start');
    return env;
  };
  beforeAll(async () => {
    env = await startKubeEnv();
  }, 300_000);
  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  informerSuite(get);
  writeSuite(get);
  controllerSuite(get);
  leaderSuite(get);
  informerRestartSuite(get);
});
