// A TCP proxy between the client and the API server that a test can break on purpose: cut
// every connection (a network blip, the server going away), refuse new ones for a while, or
// freeze the current ones so they stay open but carry nothing (a watch gone silent).
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface FaultProxy {
  /** https://127.0.0.1:<port>: use as the kubeconfig server override. */
  url: string;
  /** Destroys every open connection. */
  cut(): void;
  /** While down, new connections are closed at once. */
  setDown(down: boolean): void;
  /** Open connections stop forwarding in both directions but stay open; new ones work. */
  freeze(): void;
  /** How many connections are open now. */
  open(): number;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const pairs = new Set<{ client: Socket; server: Socket; frozen: boolean }>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const up = connect(Number(target.port), target.hostname);
    const pair = { client, server: up, frozen: false };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (!pair.frozen) to.write(chunk);
      });
    forward(client, up);
    forward(up, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('starting the fault proxy: no address');
  return {
    url: `https://127.0.0.1:${addr.port}`,
    cut: () => {
      for (const p of pairs) {
        p.client.destroy();
        p.server.destroy();
      }
      pairs.clear();
    },
    setDown: (v) => {
      down = v;
    },
    freeze: () => {
      for (const p of pairs) p.frozen = true;
    },
    open: () => pairs.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const p of pairs) {
          p.client.destroy();
          p.server.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
