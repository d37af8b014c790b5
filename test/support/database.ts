/**
 * A fresh, migrated database for one test file, dropped afterwards. With `DATABASE_URL` (as in CI)
 * it is a new database on that PostgreSQL server; without it, an in-memory embedded PGlite.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export interface TestDatabase {
  database: Database;
  /** The URL of the fresh database, when it lives on a PostgreSQL server. */
  url: string | undefined;
  drop(): Promise<void>;
}

export const serverUrl = process.env.DATABASE_URL || undefined;

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!serverUrl) {
    const database = await openDatabase({});
    await migrateDatabase(database);
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `ti_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 5 });
  try {
    await migrateDatabase(database);
  } catch (error) {
    // A file whose set-up fails never reaches its own clean-up: leave nothing behind here.
    await database.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
    throw error;
  }
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
