/**
 * How many stored leaks hold each password, by its SHA-1 and by its NTLM hash: what the range search
 * answers (docs/api.md §9). An import does not update the large count tables batch by batch: a
 * batch's new passwords fall all over their keys, and at tens of millions of leaks every one of them
 * was a page to read and write (an import at 20M leaks ran at half the rate of one into an empty
 * table; docs/scaling.md). A batch appends its counts to a small pending table instead, in the same
 * transaction as its leaks. They are folded in, sorted, so that each page of the large table is
 * written once a fold for all its keys: by an import whenever `FOLD_ROWS` are pending, and by
 * every server process once a minute (as a GIN index's pending list is merged by vacuum, or when it
 * grows past its limit). The range search reads both, so its answer is exact at every moment.
 */
import { getTableName, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { preparedRows, sqlRows } from '../db/prepared.js';
import { passwordCounts, passwordCountsPending, passwordNtlmCounts, passwordNtlmCountsPending } from '../db/schema.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../core/logger.js';
import { PeriodicJob } from '../core/periodic.js';

/**
 * Pending counts after which an import folds them (its own and any other's): enough for a
 * fold to write each page of a count table once for many of its keys, few enough that what is
 * pending stays small (about 100 MB of table and index a mode at most, an import running).
 */
export const FOLD_ROWS = 2_000_000;

/** Which hash of the passwords a range search reads. */
export type PasswordHashMode = 'sha1' | 'ntlm';

/** Each mode's tables and key column: the counts, and what is pending for them. */
const TABLES: Record<PasswordHashMode, { counts: string; pending: string; key: string }> = {
  sha1: {
    counts: getTableName(passwordCounts),
    pending: getTableName(passwordCountsPending),
    key: passwordCounts.sha1.name,
  },
  ntlm: {
    counts: getTableName(passwordNtlmCounts),
    pending: getTableName(passwordNtlmCountsPending),
    key: passwordNtlmCounts.ntlm.name,
  },
};

/** One value a mode, made from its tables: the statements below, written once for both. */
const perMode = <T>(make: (tables: (typeof TABLES)[PasswordHashMode], mode: PasswordHashMode) => T) => ({
  sha1: make(TABLES.sha1, 'sha1'),
  ntlm: make(TABLES.ntlm, 'ntlm'),
});

/** Past every hash of any length up to 20 bytes: the last range's upper bound. */
const PAST_EVERY_HASH = 'ff'.repeat(21);

/**
 * Every hash starting with the 5 hex digits of `prefix`, with its count, in hash order: one range
 * of each table's key, [prefix·0, (prefix+1)·0) as bytes, summed where a hash is in both.
 */
export function passwordHashesInRange(
  db: Db,
  prefix: string,
  mode: PasswordHashMode = 'sha1',
): Promise<{ hash: string; count: number }[]> {
  const value = parseInt(prefix, 16);
  const from = `${prefix.toLowerCase()}0`;
  const to = value === 0xfffff ? PAST_EVERY_HASH : `${(value + 1).toString(16).padStart(5, '0')}0`;
  return preparedRows(db, RANGE_SQL[mode], [from, to]);
}

/** The range search's statement for each mode: `$1` and `$2` are the range's bounds, in hex. */
export const RANGE_SQL = perMode(
  ({ counts, pending, key }) =>
    `select encode(hash, 'hex') as hash, sum(count)::int as count from (
       select ${key} as hash, count from ${counts} where ${key} >= decode($1, 'hex') and ${key} < decode($2, 'hex')
       union all
       select ${key}, count from ${pending} where ${key} >= decode($1, 'hex') and ${key} < decode($2, 'hex')
     ) as counted group by hash order by hash`,
);

/**
 * The leak import's statements that count a batch's new leaks (CTEs of its merge, after `created`
 * and with the staging table `leak_staging`): appended to the pending tables, in the batch's
 * transaction.
 */
export const COUNT_CREATED_SQL = `counted AS (
    INSERT INTO ${TABLES.sha1.pending} (${TABLES.sha1.key}, count)
    SELECT password_sha1, count(*) FROM created WHERE password_sha1 IS NOT NULL
    GROUP BY password_sha1 ORDER BY password_sha1
  ), counted_ntlm AS (
    -- By NTLM hash, which is not kept with the leak: read from the staged rows.
    INSERT INTO ${TABLES.ntlm.pending} (${TABLES.ntlm.key}, count)
    SELECT s.password_ntlm, count(*) FROM created c JOIN leak_staging s ON s.id = c.id WHERE s.password_ntlm IS NOT NULL
    GROUP BY s.password_ntlm ORDER BY s.password_ntlm
  )`;

/** How many counts are pending a fold (by SHA-1: one row a password of a batch). */
export async function pendingCountRows(database: Database): Promise<number> {
  const [row] = await database.rows<{ rows: number }>(
    sql.raw(`SELECT count(*)::int AS rows FROM ${TABLES.sha1.pending}`),
  );
  return row?.rows ?? 0;
}

/** Arbitrary constants naming the advisory locks a fold of each mode holds: two at once would only wait on each other's rows. */
export const FOLD_LOCKS: Record<PasswordHashMode, number> = { sha1: 7_305_114_201, ntlm: 7_305_114_202 };

/** Moves what is pending for one mode into its counts: one sorted pass over the large table's key. */
const FOLD_SQL = perMode(
  ({ counts, pending, key }, mode) =>
    `WITH folding AS (
       SELECT pg_try_advisory_xact_lock(${FOLD_LOCKS[mode]}) AS held
     ), moved AS (
       DELETE FROM ${pending} WHERE (SELECT held FROM folding) RETURNING ${key}, count
     ), folded AS (
       INSERT INTO ${counts} (${key}, count)
       SELECT ${key}, sum(count)::int FROM moved GROUP BY ${key} ORDER BY ${key}
       ON CONFLICT (${key}) DO UPDATE SET count = ${counts}.count + excluded.count
     )
     SELECT count(*)::int AS moved FROM moved`,
);

/**
 * Folds every pending count into the count tables: each mode in one transaction of its own (a range
 * search sees its counts before the fold or after it, never half of it), one after the other, on one
 * connection at a time (an import folds while its next batch holds another). A mode that another
 * fold is folding is left to it. Returns the pending rows moved.
 */
export async function foldPasswordCounts(database: Database): Promise<number> {
  let moved = 0;
  for (const mode of ['sha1', 'ntlm'] as const)
    moved += await database.db.transaction(async (tx) => {
      // A million keys grouped and sorted in memory, not in temporary files.
      await tx.execute(sql`set local work_mem = '256MB'`);
      const [row] = await sqlRows<{ moved: number }>(tx, sql.raw(FOLD_SQL[mode]));
      return row?.moved ?? 0;
    });
  return moved;
}

/**
 * Every server process folds what is pending once a minute (one at a time across processes, by the
 * fold's lock), on the connections the feed pulls use: a fold of a million keys takes seconds.
 */
export function passwordCountFoldJob(
  database: Database,
  logger: Logger,
  timing = { firstMs: 60_000, everyMs: 60_000 },
): PeriodicJob {
  return new PeriodicJob(
    'password counts fold',
    async () => {
      const moved = await foldPasswordCounts(database);
      if (moved > 0) logger.info({ moved }, 'pending password counts folded');
    },
    logger,
    timing,
  );
}
