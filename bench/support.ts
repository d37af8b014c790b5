/**
 * What the import benchmarks share (bench/leaks.ts, bench/import.ts): their numeric arguments, a
 * fresh database per measurement, and each measurement in a process of its own (so that its peak
 * RSS is its own), which prints its result as JSON.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';

/** The PostgreSQL server the benchmarks make their databases on. */
export const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** `--name=N` on the command line, else `fallback`. */
export function argument(name: string, fallback: number): number {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
}

/** A database of its own on `server`, and how to drop it. */
export async function freshDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  return databaseOn(server, name);
}

/** The URL of database `name` on `serverUrl`, and how to drop it. */
export function databaseOn(serverUrl: string, name: string): { url: string; drop: () => Promise<void> } {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists "${name}" with (force)`);
      await again.end();
    },
  };
}

/** Runs `script` with `args` in a process of its own and reads the JSON it prints. */
export async function inChild<T>(script: string, args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], {
    maxBuffer: 1 << 20,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return JSON.parse(stdout) as T;
}

/**
 * 10,000 watchlist entries over 10 enterprise workspaces (1,000 each), the `n`th made by `entryOf`,
 * written before a measurement's clock starts.
 */
export async function watchEntries(
  url: string,
  entryOf: (n: number) => { type: string; value: string },
): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  for (let w = 0; w < 10; w++) {
    const [workspace] =
      await sql`insert into workspaces (id, name, plan) values (gen_random_uuid(), ${`bench ${w}`}, 'enterprise') returning id`;
    const [list] =
      await sql`insert into watchlists (id, workspace_id, name) values (gen_random_uuid(), ${workspace!.id}, 'bench') returning id`;
    const values = Array.from({ length: 1000 }, (_, i) => entryOf(w * 1000 + i));
    await sql`insert into watchlist_entries (id, watchlist_id, type, value)
      select gen_random_uuid(), ${list!.id}, t::watchlist_entry_type, v from unnest(${values.map((v) => v.type)}::text[], ${values.map((v) => v.value)}::text[]) as x(t, v)`;
  }
  await sql.end();
}
