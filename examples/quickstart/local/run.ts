// `make run`: the quick start. Starts the webhook receiver the example's Destination points
// at, runs `sluice run -f examples/quickstart/`, then sends one valid and one malformed
// event so the first thing a newcomer sees is an event delivered and one blocked, with why.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const port = Number(process.env.SLUICE_PORT ?? 8080);
const receiverPort = 9090;
const writeKey = 'quickstart-write-key';
const base = `http://127.0.0.1:${port}`;

const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch?: Array<Record<string, unknown>> } & Record<string, unknown>;
      for (const e of body.batch ?? [body]) {
        const what = e.type === 'track' ? `track "${String(e.event)}"` : String(e.type);
        process.stdout.write(`receiver ← ${what} from ${String(e.userId ?? e.anonymousId)} messageId=${String(e.messageId)}\n`);
      }
    } catch {
      process.stdout.write('receiver ← a body that is not JSON\n');
    }
    res.writeHead(200).end('ok');
  });
});
receiver.on('error', (err) => {
  process.stderr.write(`quickstart: the receiver cannot listen on 127.0.0.1:${receiverPort}: ${err.message}\n`);
  process.exit(1);
});
receiver.listen(receiverPort, '127.0.0.1');

const sluice = spawn(
  process.execPath,
  [join(root, 'runtime/src/cli/main.ts'), 'run', '-f', join(root, 'examples/quickstart'), '--port', String(port), '--data-dir', join(root, '.sluice')],
  { stdio: 'inherit' },
);
sluice.on('exit', (code) => {
  receiver.close();
  process.exit(code ?? 1);
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => sluice.kill(sig));

async function send(body: unknown): Promise<void> {
  const res = await fetch(`${base}/v1/track`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sending a demo event: ${res.status} ${await res.text()}`);
}

async function demo(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stdout.write('\nquickstart: sending a valid "Order Completed" and one with revenue as a string…\n');
  await send({ userId: 'u1', event: 'Order Completed', properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR' } });
  await send({ userId: 'u2', event: 'Order Completed', properties: { order_id: 'o-2', revenue: '42.50' } });
  await new Promise((r) => setTimeout(r, 1000));
  const status = (await (await fetch(`${base}/status`)).json()) as { quarantine?: Record<string, { recent?: Array<{ event: { event?: string }; violations: Array<{ field: string; description: string }> }> }> };
  for (const q of status.quarantine?.web?.recent ?? []) {
    for (const v of q.violations) process.stdout.write(`quickstart: blocked "${q.event.event ?? ''}": ${v.description} (kept in quarantine)\n`);
  }
  process.stdout.write(`quickstart: try your own with the curl above; see ${base}/status\n\n`);
}

demo().catch((err: unknown) => process.stderr.write(`quickstart: ${(err as Error).message}\n`));
