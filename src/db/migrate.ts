import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './client.js';

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

function migrationTags(): string[] {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  return journal.entries.map((e) => e.tag);
}

/**
 * Applies the committed migrations in `drizzle/` that the database has not seen yet, and returns
 * the names of those it applied.
 */
export async function migrateDatabase(database: Database): Promise<string[]> {
  const applied = await database.migrate(migrationsFolder);
  return applied === 0 ? [] : migrationTags().slice(-applied);
}
