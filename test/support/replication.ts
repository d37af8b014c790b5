/**
 * A PostgreSQL primary and a streaming replica of it, made for a test from the machine's own
 * PostgreSQL binaries (`initdb` with replication allowed, `pg_basebackup -R`, `pg_ctl` on free
 * ports), run as the `postgres` user when the tests run as root (PostgreSQL refuses to run as root).
 * The machine's own cluster is left as it is. `replicationSupport()` says why it cannot be made
 * here, when it cannot.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';

const BIN_DIRS = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
const binDir = BIN_DIRS.find((dir) => existsSync(path.join(dir, 'pg_basebackup')));
const asRoot = process.getuid?.() === 0;

/** Null when a primary and replica can be made here; otherwise why not. */
export function replicationSupport(): string | null {
  if (!binDir) return `no PostgreSQL binaries in ${BIN_DIRS.join(', ')}`;
  if (asRoot && spawnSync('id', ['postgres']).status !== 0) return 'running as root and there is no postgres user';
  return null;
}

export interface Node {
  port: number;
  url: string;
  /** Runs SQL on this node (a connection of its own, closed after). */
  query<T = Record<string, unknown>>(text: string): Promise<T[]>;
  stop(): void;
  start(): void;
}

export interface Replication {
  primary: Node;
  replica: Node;
  /** Waits until the replica has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  destroy(): void;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

function run(command: string, args: string[]): string {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(binDir!, command), ...args]]
    : [path.join(binDir!, command), args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function node(dir: string, port: number, socketDir: string): Node {
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ctl = (action: 'start' | 'stop') =>
    run('pg_ctl', [
      '-D',
      dir,
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`,
      '-w',
      ...(action === 'stop' ? ['-m', 'fast'] : []),
      action,
    ]);
  return {
    port,
    url,
    async query<T>(text: string) {
      const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
      try {
        return (await sql.unsafe(text)) as unknown as T[];
      } finally {
        await sql.end();
      }
    },
    stop: () => void ctl('stop'),
    start: () => void ctl('start'),
  };
}

/** Makes and starts a primary and its streaming replica; `destroy` stops both and removes their files. */
export async function startReplication(): Promise<Replication> {
  const why = replicationSupport();
  if (why) throw new Error(why);
  const root = mkdtempSync(path.join(tmpdir(), 'ti-replication-'));
  if (asRoot) execFileSync('chown', ['postgres:postgres', root]);
  const primaryDir = path.join(root, 'primary');
  const replicaDir = path.join(root, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const started: Node[] = [];
  try {
    run('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const conf = path.join(primaryDir, 'postgresql.conf');
    writeFileSync(
      conf,
      `${readFileSync(conf, 'utf8')}\nwal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\nshared_buffers = 32MB\n`,
    );
    writeFileSync(
      path.join(primaryDir, 'pg_hba.conf'),
      'local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n',
    );
    const primary = node(primaryDir, primaryPort, root);
    primary.start();
    started.push(primary);
    run('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
    ]);
    const replica = node(replicaDir, replicaPort, root);
    replica.start();
    started.push(replica);
    const caughtUp = async (timeoutMs = 20_000) => {
      const [position] = await primary.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      const lsn = position!.lsn;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [row] = await replica.query<{ done: boolean }>(
          `select pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn as done`,
        );
        if (row?.done) return;
        if (Date.now() > deadline) throw new Error(`the replica did not replay ${lsn} in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await caughtUp();
    return {
      primary,
      replica,
      caughtUp,
      destroy() {
        for (const one of started.reverse()) {
          try {
            one.stop();
          } catch {
            /* already stopped */
          }
        }
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const one of started.reverse()) {
      try {
        one.stop();
      } catch {
        /* not running */
      }
    }
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
