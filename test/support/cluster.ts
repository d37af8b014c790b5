/**
 * A throwaway PostgreSQL cluster of a test's own (initdb + pg_ctl in a temporary folder, on a free
 * loopback port), so that a test may stop, pause and start the database under a running server.
 * Run as the `postgres` user when the tests run as root (PostgreSQL refuses to run as root).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

const asRoot = process.getuid?.() === 0;

/** Whether this machine can make a throwaway cluster (PostgreSQL's server binaries are installed). */
export const canMakeCluster = postgresBin() !== null && (!asRoot || existsSync('/usr/sbin/runuser'));

export interface ThrowawayCluster {
  url: string;
  /** Stops the server (fast shutdown: sessions are ended). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Freezes every server process (SIGSTOP): connections stay open and nothing answers. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function createCluster(): Promise<ThrowawayCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-cluster-'));
  const data = path.join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args])
      : run(path.join(bin, command), args);

  const port = await freePort();
  await as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  const start = () =>
    as('pg_ctl', ['-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']).then(() => {});
  const stop = () => as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).then(() => {});
  /** The postmaster and its children, for SIGSTOP and SIGCONT. */
  const processes = async () => {
    const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(postmaster)]).catch(() => ({ stdout: '' }));
    return [
      postmaster,
      ...stdout
        .split('\n')
        .map((s) => Number(s.trim()))
        .filter(Boolean),
    ];
  };
  await start();

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async pause() {
      for (const pid of await processes()) process.kill(pid, 'SIGSTOP');
    },
    async resume() {
      for (const pid of await processes()) process.kill(pid, 'SIGCONT');
    },
    async remove() {
      await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
