/**
 * Tests leave nothing behind: a test app whose set-up throws (here, an option the app refuses)
 * drops the database it had made, although the test file never gets to its own clean-up.
 */
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createTestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';

describe.skipIf(!serverUrl)('test databases', () => {
  it('are dropped when the test app’s set-up fails', async () => {
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    const mine = () =>
      admin<
        { n: number }[]
      >`select count(*)::int as n from pg_database where datname like ${`ti_test_${process.pid}_%`}`;
    try {
      const [before] = await mine();
      await expect(createTestApp({ app: { trustedProxies: ['not an address'] } })).rejects.toThrow();
      const [after] = await mine();
      expect(after!.n).toBe(before!.n);
    } finally {
      await admin.end();
    }
  });
});
