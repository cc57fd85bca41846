// `sluice operator --nats-url`: documented in the help, and anything but a NATS URL refused
// before the operator starts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../operator/env.ts';

const sluice = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'runtime/src/cli/main.ts'), ...args], { encoding: 'utf8', timeout: 20_000 });

describe('sluice operator --nats-url', () => {
  it('is in the help', () => {
    const r = sluice('operator', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--nats-url <url>\s+NATS the operator creates and removes streams and consumers on/);
  });

  it.each([
    ['sqlite:/tmp/bus.db', /--nats-url: expected nats:\/\/host:4222/],
    ['http://nats:4222', /--nats-url: reading the bus URL "http:\/\/nats:4222": unknown scheme "http"/],
  ])('refuses %s with exit code 2', (url, message) => {
    const r = sluice('operator', `--nats-url=${url}`, '--kubeconfig=/nonexistent');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
