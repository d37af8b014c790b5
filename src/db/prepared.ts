/**
 * Queries of the hot paths are built once per shape and prepared, instead of being assembled by
 * the query builder on every request (its per-call cost showed up in profiles: docs/performance.md).
 */
import { rootOf } from './cancellation.js';
import type { SQL } from 'drizzle-orm';
import type { Db } from './handle.js';

const cache = new WeakMap<Db, Map<string, unknown>>();

/** The prepared query named `name` for this database, built by `build` (given the process-wide handle) the first time. */
export function prepared<Q>(db: Db, name: string, build: (root: Db) => Q): Q {
  // Built once per database, whichever request's handle asks (src/db/cancellation.ts).
  const root = rootOf(db);
  let byName = cache.get(root);
  if (!byName) cache.set(root, (byName = new Map<string, unknown>()));
  let query = byName.get(name) as Q | undefined;
  // Built on the process-wide handle: a statement prepared on a request's handle would keep that
  // request's statement set alive, and grow it, for as long as the process runs.
  if (query === undefined) byName.set(name, (query = build(root)));
  return query;
}

type PostgresClient = {
  unsafe(
    text: string,
    params: unknown[],
    options: { prepare: boolean },
  ): Promise<unknown[]> & { values(): Promise<unknown[][]> };
};
type PgliteClient = { query(text: string, params: unknown[], options: object): Promise<{ rows: unknown[] }> };

/** The driver's client under a handle: the database's own, or a transaction's (drizzle keeps it in its session). */
const clientOf = (db: Db) => {
  const handle = db as unknown as {
    $client?: PostgresClient | PgliteClient;
    session: { client: PostgresClient | PgliteClient };
  };
  return handle.$client ?? handle.session.client;
};

/** Timestamps stay text with PGlite too (the postgres driver is set up that way by drizzle). */
const TEXT_TIMESTAMPS = { parsers: { 1082: String, 1114: String, 1184: String } };

/**
 * Runs fixed SQL text as a prepared statement and returns the driver's rows as they come, without
 * drizzle's per-row mapping, for queries on hot paths (that mapping was a tenth of the listing's
 * profile). The SQL names its columns with the aliases the code expects. Both engines, one code
 * path above the driver; in a transaction too.
 */
export async function preparedRows<T>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  const client = clientOf(db);
  if ('unsafe' in client) return (await client.unsafe(text, params, { prepare: true })) as T[];
  return (await client.query(text, params, TEXT_TIMESTAMPS)).rows as T[];
}

/**
 * The same, with each row as an array of its columns in the order the SQL selects them: no object
 * filled under computed names per row, for the callers that build one shape themselves.
 */
export async function preparedValues<T extends unknown[]>(db: Db, text: string, params: unknown[]): Promise<T[]> {
  const client = clientOf(db);
  if ('unsafe' in client) return (await client.unsafe(text, params, { prepare: true }).values()) as T[];
  return (await client.query(text, params, { ...TEXT_TIMESTAMPS, rowMode: 'array' })).rows as T[];
}

/** The rows of a drizzle `sql` query on either engine (the postgres driver answers an array, PGlite `{ rows }`), in a transaction too. */
export async function sqlRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return Array.isArray(result) ? [...(result as T[])] : (result as { rows: T[] }).rows;
}
