/**
 * What the load benchmarks share (bench/run.ts, bench/soak.ts): the seeded database, keys made for
 * a run, servers started as separate processes the way `npm start` runs them, and their memory
 * read from /proc.
 */
import { hash } from '@node-rs/argon2';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { generateApiKey } from '../src/auth/keyFormat.js';
import { loadWorkspaceScope } from '../src/auth/scope.js';
import { PERMISSIONS } from '../src/core/permissions.js';
import type { Database } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { apiKeys, workspaces } from '../src/db/schema.js';
import { seed } from '../src/seed/synthetic.js';
import { addScopeEntry, createWorkspace } from '../src/workspaces/service.js';
import { databaseOn, server } from './support.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function log(text: string) {
  process.stderr.write(`${text}\n`);
}

/**
 * The full runs' database, `ti_bench` on the local PostgreSQL (or DATABASE_URL), seeded once and
 * reused; with `throwaway`, a database of this run's own, dropped at the end.
 */
export async function benchDatabaseUrl(throwaway: boolean): Promise<{ url: string; drop?: () => Promise<void> }> {
  if (process.env.DATABASE_URL && !throwaway) return { url: process.env.DATABASE_URL };
  const name = throwaway ? `ti_bench_quick_${process.pid}` : 'ti_bench';
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  const [exists] = await admin`select 1 from pg_database where datname = ${name}`;
  if (!exists) await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const database = databaseOn(server, name);
  return throwaway ? database : { url: database.url };
}

/** The `bench` workspace and, seeded where missing, the IOCs and leaks the scenarios read. */
export async function prepareData(
  database: Database,
  data: { iocs: number; credentialLeaks: number; cardLeaks: number },
) {
  const { db } = database;
  await migrateDatabase(database);
  let [workspace] = await db.select().from(workspaces).where(eq(workspaces.name, 'bench'));
  if (!workspace) {
    workspace = await createWorkspace(db, { name: 'bench', plan: 'enterprise', billingStatus: 'active' });
    await addScopeEntry(db, workspace.id, 'domain', 'example.com');
    await addScopeEntry(db, workspace.id, 'bin', '411111');
  }
  // Leaks seeded before they carried password hashes (and sites) are replaced by ones that do:
  // the range search needs them.
  const [legacy] = await database.rows<{ n: number }>(
    sql`select count(*)::int as n from credential_leaks where password_sha1 is null`,
  );
  if (legacy!.n > 0) {
    log(`replacing ${legacy!.n} leaks seeded without password hashes …`);
    await database.rows(sql`truncate credential_leaks`);
  }
  const [counts] = await database.rows<{ iocs: number; leaks: number; cards: number }>(
    sql`select (select count(*)::int from iocs) as iocs, (select count(*)::int from credential_leaks) as leaks, (select count(*)::int from card_leaks) as cards`,
  );
  const missing = {
    iocs: Math.max(0, data.iocs - counts!.iocs),
    credentialLeaks: Math.max(0, data.credentialLeaks - counts!.leaks),
    cardLeaks: Math.max(0, data.cardLeaks - counts!.cards),
  };
  if (missing.iocs + missing.credentialLeaks + missing.cardLeaks > 0) {
    log(`seeding ${JSON.stringify(missing)} …`);
    const started = Date.now();
    await seed(database, {
      ...missing,
      workspace: { id: workspace.id, scope: await loadWorkspaceScope(db, workspace.id) },
    });
    log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  await database.rows(sql`analyze`);
  return workspace;
}

/** Keys made for this run only (inserted directly: the bench needs more than a plan allows). */
export async function makeKeys(database: Database, workspaceId: string, count: number, name: string) {
  const made: string[] = [];
  const rows: (typeof apiKeys.$inferInsert)[] = [];
  const generated = Array.from({ length: count }, () => generateApiKey());
  // argon2 runs on libuv's pool: hash a few at a time.
  for (let i = 0; i < count; i += 8) {
    const batch = generated.slice(i, i + 8);
    const hashes = await Promise.all(batch.map(({ key }) => hash(key)));
    batch.forEach(({ key, prefix }, j) => {
      made.push(key);
      rows.push({ workspaceId, prefix, secretHash: hashes[j]!, name, permissions: [...PERMISSIONS] });
    });
  }
  for (let i = 0; i < rows.length; i += 500) await database.db.insert(apiKeys).values(rows.slice(i, i + 500));
  return made;
}

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  pids(): number[];
  stop(): Promise<void>;
}

let nextPort = 20_000 + Math.floor(Math.random() * 20_000);

/** `script` (a built `.js`, or `.ts` through tsx) in a process of its own, once `/healthz` answers. */
export async function startServer(name: string, script: string, env: Record<string, string>): Promise<Server> {
  const port = nextPort++;
  // The log goes to /dev/null: the server still formats and writes every line, but this process,
  // busy with autocannon, is not the one to read them.
  const devNull = openSync('/dev/null', 'w');
  const args = script.endsWith('.ts') ? ['--import', 'tsx', script] : [script];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    stdio: ['ignore', devNull, 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (c) => (output += String(c)));
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${name} exited: ${output}`);
    const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status < 500,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    pids: () => [child.pid!, ...childPids(child.pid!)],
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The resident memory of these processes together, in MB. */
export function rssMb(pids: number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kb += Number(match?.[1] ?? 0);
    } catch {
      /* gone */
    }
  }
  return kb / 1024;
}
