/**
 * Per-request database handles (src/db/cancellation.ts): a request's statements are remembered in
 * its own set, and nothing of one request outlives it (a statement prepared once is built on the
 * process-wide handle, or every later request would add to the first one's set for ever).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootOf, Statements } from '../../src/db/cancellation.js';
import { credentialLeaksByDomain } from '../../src/dataleaks/repository.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/database.js';

describe.skipIf(!serverUrl)('a request’s database handle', () => {
  let t: TestDatabase;
  beforeAll(async () => (t = await createTestDatabase()));
  afterAll(() => t.drop());

  it('remembers the statements its request sends, and only those', async () => {
    const mine = new Statements();
    const db = t.database.forRequest(mine);
    expect(rootOf(db)).toBe(t.database.db);
    await db.execute(sql`select 1`);
    await db.transaction(async (tx) => {
      await tx.execute(sql`select 2`);
    });
    expect(mine.size).toBeGreaterThanOrEqual(2);
    await t.database.db.execute(sql`select 3`);
    const before = mine.size;
    // Statements prepared once are the process's: later requests never add to the first one's set.
    await credentialLeaksByDomain(db, 'example.com', 10, null);
    const after = mine.size;
    for (let i = 0; i < 5; i++)
      await credentialLeaksByDomain(t.database.forRequest(new Statements()), 'example.com', 10, null);
    expect(mine.size).toBe(after);
    expect(after - before).toBeLessThanOrEqual(1);
    // Once the answer is ready (a stream's pages follow), nothing more is kept.
    mine.close();
    await db.execute(sql`select 4`);
    expect(mine.size).toBe(0);
  });
});
