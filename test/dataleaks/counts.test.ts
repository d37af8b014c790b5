/**
 * `totalCount` on leak searches: counted only when selected, exact up to 10,000, and past that
 * 10,000 with `totalCountExact` false, at the cost of a count that stops there (a domain with many
 * more leaks costs the same). Each search counts inside its own range only: another workspace's
 * domain, another email, another BIN are never in it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEAK_COUNT_CAP } from '../../src/dataleaks/schema.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertCardLeaks, insertCredentialLeaks } from '../support/fixtures.js';

describe('leak counts', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp();
    const workspace = await t.createWorkspace({
      scope: { domains: ['acme.example', 'huge.example'], emails: ['solo@other.example'], bins: ['411111'] },
    });
    key = (await t.createKey(workspace.id)).key;
    await insertCredentialLeaks(t.database.db, [
      ...Array.from({ length: 530 }, (_, i) => `user${i}@mail.acme.example`),
      'solo@other.example',
      'outside@acme-other.example',
    ]);
    // Past the cap, loaded in one statement.
    await t.database.rows(sql`
      insert into credential_leaks (email, domain, domain_key, username, password_masked, source_name, source_type)
      select 'u' || n || '@huge.example', 'huge.example', 'example.huge.', 'u' || n, 'p*****1', 'big', 'breach'
      from generate_series(1, ${LEAK_COUNT_CAP + 500}) as n`);
    await insertCardLeaks(t.database.db, ['41111122', '41111133', '52000000']);
  }, 60_000);
  afterAll(() => t.close());

  const count = async (field: string, argument: string) => {
    const { body } = await t.graphql(
      key,
      `{ dataleaks { ${field}(${argument}, first: 5) { totalCount totalCountExact edges { cursor } pageInfo { hasNextPage } } } }`,
    );
    expect(body.errors).toBeUndefined();
    return body.data!.dataleaks[field] as { totalCount: number; totalCountExact: boolean; edges: unknown[] };
  };

  it('counts every match across pages, exactly, below the cap', async () => {
    expect(await count('byDomain', 'domain: "acme.example"')).toMatchObject({
      totalCount: 530,
      totalCountExact: true,
      edges: { length: 5 },
    });
    expect(await count('byEmail', 'email: "solo@other.example"')).toMatchObject({
      totalCount: 1,
      totalCountExact: true,
    });
    expect(await count('byBin', 'bin: "411111"')).toMatchObject({ totalCount: 2, totalCountExact: true });
    expect(await count('bySite', 'domain: "acme.example"')).toMatchObject({ totalCount: 0, totalCountExact: true });
  });

  it('stops at the cap for a huge domain and says the count is not exact', async () => {
    expect(await count('byDomain', 'domain: "huge.example"')).toMatchObject({
      totalCount: LEAK_COUNT_CAP,
      totalCountExact: false,
    });
  });
});
