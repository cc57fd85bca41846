import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { busContract } from '../../runtime/src/bus/contract.ts';
import { openNatsBus, type NatsBus } from '../../runtime/src/bus/nats/index.ts';
import { startNatsServer, type NatsServer } from './server.ts';
import { deleteStreams } from './streams.ts';

let server: NatsServer;

beforeAll(async () => {
  server = await startNatsServer();
});
afterAll(async () => {
  await server?.close();
});

// One server for the suite; each test gets its own prefix, so its streams are its own.
busContract('nats', async () => {
  const prefix = `T${randomUUID().slice(0, 8)}`;
  const open = (): Promise<NatsBus> => openNatsBus({ servers: server.url, prefix, name: `contract-${prefix}` });
  let bus = await open();
  return {
    bus,
    reopen: async () => {
      await bus.close();
      bus = await open();
      return bus;
    },
    cleanup: async () => {
      await bus.close();
      await deleteStreams(server.url, prefix);
    },
  };
});
