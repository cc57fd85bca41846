// The operator's NATS provisioner when NATS is not there at all yet: each call fails fast
// with BusUnavailable naming the URL without its credentials, and the first call after NATS
// came up connects and provisions.
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceSpec } from '../../operator/src/api/index.ts';
import { BusProvisionError, NatsProvisioner } from '../../operator/src/bus/index.ts';
import { startNatsServer, type NatsServer } from '../nats/server.ts';

const spec = { writeKeys: [{ secretRef: { name: 'key', key: 'writeKey' } }], retention: '1h' } as SourceSpec;

describe('the NATS provisioner before NATS is up', () => {
  let nats: NatsServer | undefined;
  let provisioner: NatsProvisioner | undefined;

  afterEach(async () => {
    await provisioner?.close();
    await nats?.close();
    provisioner = nats = undefined;
  });

  it('fails with BusUnavailable and a credential-free URL, then connects once NATS is there', async () => {
    nats = await startNatsServer();
    await nats.stop();
    provisioner = new NatsProvisioner({ url: nats.url.replace('nats://', 'nats://op:pa55word@'), connectTimeoutMs: 1_000 });
    const started = Date.now();
    const err = await provisioner.ensureSource('ns', 'web', spec).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(BusProvisionError);
    expect((err as BusProvisionError).reason).toBe('BusUnavailable');
    expect((err as BusProvisionError).message).toContain(`NATS at ${nats.url} is unreachable`);
    expect((err as BusProvisionError).message).not.toContain('pa55word');

    await nats.start();
    await provisioner.ensureSource('ns', 'web', spec);
    expect(await provisioner.ensureDestination('ns', 'hook', { type: 'webhook', sources: [{ name: 'web' }, { name: 'later' }], settings: {} } as never, ['web', 'later'])).toEqual({
      missingSources: ['later'],
    });
    await provisioner.deleteDestination('ns', 'hook');
    await provisioner.deleteSource('ns', 'web');
  }, 30_000);
});
