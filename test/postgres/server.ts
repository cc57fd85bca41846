import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';

/**
 * A real PostgreSQL on 127.0.0.1: `initdb` into a temp dir, started and stopped with
 * `pg_ctl`, password (SCRAM) authentication over TCP. PostgreSQL refuses to run as root,
 * so under root every command runs as the `postgres` user (Debian's package creates it).
 * Servers still running when the test process exits are stopped immediately.
 */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** postgres://user:password@127.0.0.1:port/database */
  readonly url: string;
  readonly dataDir: string;
  /** pg_ctl stop -m fast; the data stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its data. */
  close(): Promise<void>;
  /** The server log, for failure messages. */
  log(): string;
}

const running = new Set<() => void>();
let exitHookInstalled = false;

/** The newest PostgreSQL's bin directory: $PG_BIN, else /usr/lib/postgresql/<version>/bin. */
export function postgresBin(): string {
  const fromEnv = process.env['PG_BIN'];
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^[0-9]+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin')).find((d) => existsSync(join(d, 'initdb')));
  if (!found) throw new Error('starting PostgreSQL: not installed (install the Debian package postgresql, or set PG_BIN to the directory holding initdb and pg_ctl)');
  return found;
}

/** The command line, run as the postgres user when this process is root. */
function asServerUser(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
}

function run(bin: string, args: string[], what: string): Promise<string> {
  const [cmd, argv] = asServerUser(bin, args);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.once('error', (err) => reject(new Error(`${what}: ${err.message}`, { cause: err })));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${what}: exited with ${code}\n${out.slice(-2000)}`))));
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-pg-'));
  const root = process.getuid?.() === 0;
  if (root) {
    const pg = userInfoOf('postgres');
    chownSync(dataDir, pg.uid, pg.gid);
  }
  const user = 'sluice';
  const password = 'pg-test-secret-7';
  const pwfile = join(dataDir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (root) {
    const pg = userInfoOf('postgres');
    chownSync(pwfile, pg.uid, pg.gid);
  }
  const pgdata = join(dataDir, 'data');
  const logFile = join(dataDir, 'server.log');
  const port = await freePort();

  await run(
    join(bin, 'initdb'),
    ['-D', pgdata, '-U', user, `--pwfile=${pwfile}`, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C', '--no-sync'],
    'initdb',
  );
  rmSync(pwfile, { force: true });

  // Durability is not under test: no fsync, small buffers, socket beside the data.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=40`;
  const stopNow = () => {
    const [cmd, argv] = asServerUser(join(bin, 'pg_ctl'), ['-D', pgdata, 'stop', '-m', 'immediate']);
    spawnSync(cmd, argv, { stdio: 'ignore' });
  };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const stop of running) stop();
    });
  }

  const server: PostgresServer = {
    host: '127.0.0.1',
    port,
    user,
    password,
    database: 'postgres',
    url: `postgres://${user}:${password}@127.0.0.1:${port}/postgres`,
    dataDir,
    async start() {
      await run(join(bin, 'pg_ctl'), ['-D', pgdata, '-l', logFile, '-o', options, '-w', '-t', '30', 'start'], 'pg_ctl start');
      running.add(stopNow);
    },
    async stop() {
      running.delete(stopNow);
      await run(join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'fast', '-w', 'stop'], 'pg_ctl stop').catch(() => undefined);
    },
    async close() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : ''),
  };
  await server.start();
  return server;
}

function userInfoOf(name: string): { uid: number; gid: number } {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`starting PostgreSQL as root: there is no "${name}" user to run it as (running as ${userInfo().username}); install the postgresql package or run the tests as another user`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}
