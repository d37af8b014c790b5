/**
 * The drizzle database typed by the tables: what every query is written against, whichever engine
 * (the `postgres` driver or PGlite, src/db/client.ts) and whichever handle (the process-wide one,
 * a request's, src/db/cancellation.ts, or a transaction) runs it.
 */
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
