/**
 * Opens the product's database: PostgreSQL through the `postgres` driver when a URL is given,
 * otherwise the embedded PGlite in a data folder. Everything above this module sees one drizzle
 * `Db` and one `Database` handle, whichever engine is underneath.
 */
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { sql, type SQL } from 'drizzle-orm';
import type { Options, PostgresType, Sql, TransactionSql } from 'postgres';
import { requestDatabase, type Statements } from './cancellation.js';
import type { Db } from './handle.js';
import { lockDataDir } from './dataDirLock.js';
import * as schema from './schema.js';

export interface NotificationHandlers {
  onMessage: (payload: string) => void;
  /** Called each time the channel is (re)subscribed: anything learned while deaf may be stale. */
  onSubscribed(): void;
  /** Called when the subscription is lost; notifications may be missed until `onSubscribed`. */
  onLost(): void;
}

export interface Database {
  readonly kind: 'postgres' | 'embedded';
  readonly db: Db;
  /**
   * The handle a request works with: its statements go into `statements`, so that a request answered
   * on timeout can cancel them (src/db/cancellation.ts). The embedded database runs one statement at
   * a time in this process and has nothing to cancel: its handle is `db`.
   */
  forRequest(statements: Statements): Db;
  /** Subscribes to a PostgreSQL NOTIFY channel, re-subscribing by itself after a lost connection. */
  subscribe(channel: string, handlers: NotificationHandlers): Promise<void>;
  /** Rows of a raw query, whichever driver runs it. */
  rows<T>(query: SQL): Promise<T[]>;
  /**
   * Loads rows in bulk through `COPY` (tab-separated text, one row per line); with
   * `skipDuplicates`, rows that would break a unique constraint are skipped. `table` and `columns`
   * are the program's own names, never input. With `rebuildIndexes`, the table's secondary
   * indexes are dropped and built again afterwards (worth it for a load of many rows; the table is
   * locked meanwhile). All or nothing: one transaction. The table is analysed afterwards: until
   * then PostgreSQL plans its queries from stale statistics (a listing right after a load of 1M
   * rows took ~500 ms instead of ~4 ms). Returns the number of rows inserted.
   */
  bulkLoad(
    table: string,
    columns: readonly string[],
    options: { skipDuplicates: boolean; rebuildIndexes: boolean },
    chunks: Iterable<string>,
  ): Promise<number>;
  /**
   * Streams rows (COPY text, one per line) into a temporary staging table, then runs one
   * set-based statement over it (`merge`, with `params`), in one transaction: either every row
   * of the batch is merged or none is. Returns the merge's first row (its counts). All SQL here is
   * the program's own; values travel as COPY data or as parameters. `beforeMerge` lets a caller
   * copy one batch while the one before is still being merged, and merge them in order.
   */
  stage(
    load: StagedLoad,
    chunks: AsyncIterable<string>,
    options?: { beforeMerge?: () => Promise<unknown> },
  ): Promise<Record<string, number>>;
  /** Refreshes the planner's statistics of a table after a bulk write (`table` is the program's own name). */
  analyze(table: string): Promise<void>;
  /**
   * Applies the migrations of `folder` not yet applied, one process at a time; returns how many
   * this call applied (counted under the same lock: a process that waited for another applies none).
   */
  migrate(folder: string): Promise<number>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StagedLoad {
  /** `CREATE TEMP TABLE <staging> (…) ON COMMIT DROP` */
  createStaging: string;
  /** `COPY <staging> (…) FROM` without its source: STDIN or the embedded database's blob. */
  copy: string;
  /** One statement reading the staging table, answering one row of counts. */
  merge: string;
  params: readonly (string | number | null)[];
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** For the embedded database: a folder, or undefined for a throwaway in-memory database. */
  dataDir?: string | undefined;
  /** Connections in the pool (postgres only). */
  poolSize?: number;
  /** The connections' `application_name` (postgres only): what `pg_stat_activity` shows them as. */
  applicationName?: string;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolSize ?? 10, options.applicationName ?? 'threat-intel-api')
    : openEmbedded(options.dataDir);
}

/**
 * The statements of a bulk load. Straight COPY into the table when no row can collide; otherwise
 * COPY into a temporary twin, then one INSERT … ON CONFLICT DO NOTHING, so that a row that
 * already exists is skipped instead of failing the whole load.
 */
function bulkLoadStatements(table: string, columns: readonly string[]) {
  const names = columns.map((c) => `"${c}"`).join(', ');
  return {
    createTemp: `CREATE TEMP TABLE bulk_load (LIKE "${table}" INCLUDING DEFAULTS) ON COMMIT DROP`,
    copyInto: (target: string, source: string) => `COPY ${target} (${names}) FROM ${source}`,
    insertNew: `INSERT INTO "${table}" (${names}) SELECT ${names} FROM bulk_load ON CONFLICT DO NOTHING`,
    insertAll: `INSERT INTO "${table}" (${names}) SELECT ${names} FROM bulk_load`,
    // Indexes that back no constraint: dropped before a large load and built again after it,
    // which is several times faster than maintaining them row by row.
    secondaryIndexes: `SELECT i.indexname AS name, i.indexdef AS definition FROM pg_indexes i
      WHERE i.schemaname = current_schema() AND i.tablename = '${table}'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = '"${table}"'::regclass)`,
  };
}

/**
 * Streams chunks of COPY text into `COPY … FROM STDIN`, waiting when the server is behind: rows go
 * out while later chunks are still being produced. A producer that fails fails the COPY (and the
 * transaction with it).
 *
 * The driver resolves the query with its stream as soon as COPY starts; when PostgreSQL refuses
 * the data after the last chunk (an error answering CopyDone), it rejects that already-resolved
 * query, and the stream's end is never signalled: awaiting the stream alone waited forever, with
 * the connection left `idle in transaction (aborted)` (docs/api.md §12: an import never hangs on a
 * database error). So the query's rejection is caught where the driver makes it, and every wait
 * below is raced against it.
 */
async function copyFrom(
  tx: TransactionSql,
  statement: string,
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const query = tx.unsafe(statement) as ReturnType<TransactionSql['unsafe']> & { reject: (error: unknown) => void };
  const refused = new Promise<never>((_resolve, reject) => {
    const rejectQuery = query.reject;
    query.reject = (error: unknown) => {
      reject(error instanceof Error ? error : new Error(String(error)));
      rejectQuery(error);
    };
  });
  refused.catch(() => {});
  const stream = await query.writable();
  try {
    for await (const chunk of chunks) if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), refused]);
  } catch (error) {
    // The COPY's own echo of the error is not news.
    stream.on('error', () => {});
    stream.destroy(error as Error);
    throw error;
  }
  stream.end();
  await Promise.race([finished(stream), refused]);
}

/** An arbitrary constant naming the advisory lock that serialises migrations. */
const MIGRATION_LOCK = 7_345_019;

async function openPostgres(url: string, poolSize: number, applicationName: string): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const common = {
    // Timestamps are read and written as text in UTC (src/db/time.ts turns them into ISO 8601).
    // No JIT: every statement here is short, and a plan whose estimate crosses jit_above_cost (a
    // listing's per-row subqueries over a million-row table do) spent ~50 ms compiling a query that
    // runs in 0.1 ms (docs/performance.md).
    connection: { TimeZone: 'UTC', application_name: applicationName, jit: 'off' },
    onnotice: () => {},
    // Fail fast when the server is down instead of queueing requests behind a dead socket.
    connect_timeout: 5,
  };
  const client = postgres(url, { ...common, max: poolSize, idle_timeout: 60 });
  const db = drizzle(client, { schema }) as unknown as Db;
  const listeners: Sql[] = [];
  let closed = false;

  return {
    kind: 'postgres',
    db,
    forRequest: (statements) => requestDatabase(db, statements),
    async subscribe(channel, handlers) {
      // A dedicated connection per channel, so that its loss is seen (onclose) and repaired here:
      // the driver's own `listen` gives no signal while it is deaf.
      let retry: NodeJS.Timeout | undefined;
      const listener = postgres(url, {
        ...common,
        max: 1,
        idle_timeout: 0,
        max_lifetime: null,
        onnotify: (name: string, payload: string) => {
          if (name === channel) handlers.onMessage(payload);
        },
        onclose: () => {
          if (closed) return;
          handlers.onLost();
          schedule(250);
        },
      } as Options<Record<string, PostgresType>>);
      listeners.push(listener);
      const listen = async () => {
        await listener.unsafe(`LISTEN "${channel.replaceAll('"', '""')}"`);
        handlers.onSubscribed();
      };
      const schedule = (delay: number) => {
        if (closed || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          listen().catch(() => schedule(Math.min(delay * 2, 2000)));
        }, delay);
        retry.unref();
      };
      await listen();
    },
    async rows<T>(query: SQL) {
      const rows: unknown = await db.execute(query);
      return [...(rows as T[])];
    },
    async bulkLoad(table, columns, options, chunks) {
      const statements = bulkLoadStatements(table, columns);
      const inserted = await client.begin(async (tx) => {
        const rebuild = options.rebuildIndexes
          ? await tx.unsafe<{ name: string; definition: string }[]>(statements.secondaryIndexes)
          : [];
        for (const index of rebuild) await tx.unsafe(`DROP INDEX "${index.name}"`);
        const count = await load(tx);
        for (const index of rebuild) await tx.unsafe(index.definition);
        return count;
      });
      await client.unsafe(`ANALYZE "${table}"`);
      return inserted;

      async function load(tx: TransactionSql) {
        const target = options.skipDuplicates ? 'bulk_load' : `"${table}"`;
        if (options.skipDuplicates) await tx.unsafe(statements.createTemp);
        let rows = 0;
        const counted = function* () {
          for (const chunk of chunks) {
            rows += chunk.split('\n').length - 1;
            yield chunk;
          }
        };
        await copyFrom(tx, statements.copyInto(target, 'STDIN'), counted());
        // COPY takes every line or fails; only the twin's INSERT may skip some.
        return options.skipDuplicates ? (await tx.unsafe(statements.insertNew)).count : rows;
      }
    },
    async stage(load, chunks, options = {}) {
      const counts = await client.begin(async (tx) => {
        await tx.unsafe(load.createStaging);
        await copyFrom(tx, `${load.copy} STDIN`, chunks);
        await options.beforeMerge?.();
        const [merged] = await tx.unsafe(load.merge, load.params as (string | number | null)[]);
        return merged;
      });
      return counts as Record<string, number>;
    },
    async analyze(table) {
      await client.unsafe(`ANALYZE "${table}"`);
    },
    async migrate(folder) {
      // One connection of its own, holding an advisory lock: several processes starting at once
      // apply each migration once.
      const { migrate } = await import('drizzle-orm/postgres-js/migrator');
      const single = postgres(url, { ...common, max: 1 });
      const applied = async () => {
        const [table] = await single`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
        if (!table!.exists) return 0;
        const [row] = await single<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
        return row!.n;
      };
      try {
        await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
        const before = await applied();
        await migrate(drizzle(single), { migrationsFolder: folder });
        return (await applied()) - before;
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      closed = true;
      await Promise.all([client, ...listeners].map((c) => c.end({ timeout: 5 })));
    },
  };
}

async function openEmbedded(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  // uuid-ossp: STIX indicator ids are computed in SQL too (drizzle/0011_taxii.sql).
  const { uuid_ossp } = await import('@electric-sql/pglite/contrib/uuid_ossp');
  const { drizzle } = await import('drizzle-orm/pglite');
  // Owner-only: it holds leaked credentials, key hashes and the command line's socket.
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // One process per data folder: a second is refused, naming the first (src/db/dataDirLock.ts).
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  let pg: InstanceType<typeof PGlite>;
  try {
    pg = new PGlite({ ...(dataDir ? { dataDir } : {}), extensions: { uuid_ossp } });
    await pg.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  await pg.exec(`SET TIME ZONE 'UTC'`);
  const db = drizzle(pg, { schema }) as unknown as Db;
  return {
    kind: 'embedded',
    db,
    forRequest: () => db,
    async subscribe(channel, handlers) {
      // In-process: the subscription cannot be lost.
      await pg.listen(channel, handlers.onMessage);
      handlers.onSubscribed();
    },
    async rows<T>(query: SQL) {
      const result: unknown = await db.execute(query);
      return (result as { rows: T[] }).rows;
    },
    async bulkLoad(table, columns, options, chunks) {
      const statements = bulkLoadStatements(table, columns);
      const inserted = await pg.transaction(async (tx) => {
        const rebuild = options.rebuildIndexes
          ? (await tx.query<{ name: string; definition: string }>(statements.secondaryIndexes)).rows
          : [];
        for (const index of rebuild) await tx.exec(`DROP INDEX "${index.name}"`);
        await tx.exec(statements.createTemp);
        for (const chunk of chunks) {
          await tx.query(statements.copyInto('bulk_load', `'/dev/blob'`), [], { blob: new Blob([chunk]) });
        }
        const result = await tx.query(options.skipDuplicates ? statements.insertNew : statements.insertAll);
        for (const index of rebuild) await tx.exec(index.definition);
        return result.affectedRows ?? 0;
      });
      await pg.exec(`ANALYZE "${table}"`);
      return inserted;
    },
    async stage(load, chunks, options = {}) {
      return pg.transaction(async (tx) => {
        await tx.exec(load.createStaging);
        for await (const chunk of chunks) await tx.query(`${load.copy} '/dev/blob'`, [], { blob: new Blob([chunk]) });
        await options.beforeMerge?.();
        const result = await tx.query<Record<string, number>>(load.merge, [...load.params]);
        return result.rows[0]!;
      });
    },
    async analyze(table) {
      await pg.exec(`ANALYZE "${table}"`);
    },
    async migrate(folder) {
      // One process only (the data folder's lock): no other can migrate meanwhile.
      const { migrate } = await import('drizzle-orm/pglite/migrator');
      const applied = async () => {
        const { rows } = await pg.query<{ exists: boolean }>(
          `select to_regclass('drizzle.__drizzle_migrations') is not null as exists`,
        );
        if (!rows[0]!.exists) return 0;
        const counted = await pg.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
        return counted.rows[0]!.n;
      };
      const before = await applied();
      await migrate(drizzle(pg), { migrationsFolder: folder });
      return (await applied()) - before;
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pg.close();
      unlock();
    },
  };
}
