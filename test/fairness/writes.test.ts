/**
 * Findings 3, 4 and 13 of the second security review (docs/api.md §12): a summary that read every alert
 * of the workspace, keyword matching that read every keyword of every workspace for every IOC
 * written (with no limit on entries), and parallel submissions that deadlocked into 500s.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertOf, type IocUpsert } from '../../src/iocs/record.js';
import { upsertIocs } from '../../src/iocs/repository.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { medianTime, ratio } from '../support/timing.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const gql = async (key: string, query: string, variables?: Record<string, unknown>) => {
  const { body } = await t.graphql(key, query, variables);
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!;
};

describe('finding 3: alertSummary reads what it returns, not every alert', () => {
  it('with 37,000 alerts over a year it answers in the time of an empty workspace, and counts right', async () => {
    const busy = await t.createWorkspace({ plan: 'free' });
    const quiet = await t.createWorkspace({ plan: 'free' });
    const busyKey = (await t.createKey(busy.id)).key;
    const quietKey = (await t.createKey(quiet.id)).key;
    await gql(busyKey, 'mutation { createWatchlist(input: { name: "w" }) { id } }');
    await t.database.rows(sql`
      insert into alerts (workspace_id, watchlist_id, entry_type, entry_value, kind, record_id, created_at)
      select ${busy.id}::uuid, (select id from watchlists where workspace_id = ${busy.id}::uuid), 'keyword', 'acme', 'ioc', gen_random_uuid(),
             now() - make_interval(days => i % 365)
      from generate_series(1, 37000) as i`);
    const summary = '{ alertSummary(days: 365) { newByKind { kind count } daily { day count } } }';
    const answer = await gql(busyKey, summary);
    expect(answer.alertSummary.newByKind).toEqual([{ kind: 'IOC', count: 37_000 }]);
    expect(answer.alertSummary.daily).toHaveLength(365);
    expect(answer.alertSummary.daily.reduce((sum: number, d: { count: number }) => sum + d.count, 0)).toBe(37_000);

    // Acknowledging some moves them out of `new`; the daily counts keep every alert raised.
    const ids = (
      await t.database.rows<{ id: string }>(sql`select id from alerts where workspace_id = ${busy.id}::uuid limit 100`)
    ).map((r) => r.id);
    await gql(busyKey, 'mutation ($ids: [ID!]!) { updateAlerts(ids: $ids, status: ACKNOWLEDGED) { id } }', { ids });
    expect(
      (await gql(busyKey, '{ alertSummary(days: 1) { newByKind { kind count } } }')).alertSummary.newByKind,
    ).toEqual([{ kind: 'IOC', count: 36_900 }]);

    // Thirty aliases in one document, as the review sent them, are refused by the cost rule; five pass.
    const aliased = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `s${i}: alertSummary(days: 366) { newByKind { count } daily { count } }`).join(' ')} }`;
    const thirty = await t.graphql(busyKey, aliased(30));
    expect(thirty.body.errors?.[0]?.extensions?.code).toBe('invalid_parameter');
    expect(thirty.body.data).toBeUndefined();
    expect((await t.graphql(busyKey, aliased(5))).body.errors).toBeUndefined();
    expect((await t.graphql(busyKey, aliased(6))).body.errors?.[0]?.extensions?.code).toBe('invalid_parameter');

    const alone = await medianTime(() => gql(quietKey, summary));
    const busyTime = await medianTime(() => gql(busyKey, summary));
    // Before the fix: 3.4 s against a few milliseconds.
    expect(ratio(busyTime, alone, 5)).toBeLessThan(5);
  });
});

describe('finding 4: watchlists and entries per plan, and keyword matching bounded by an index', () => {
  it('a free workspace holds 5 watchlists and 100 entries; past that, 403 and nothing created', async () => {
    const free = await t.createWorkspace({ plan: 'free' });
    const key = (await t.createKey(free.id)).key;
    for (let i = 0; i < 5; i++) await gql(key, `mutation { createWatchlist(input: { name: "w${i}" }) { id } }`);
    const sixth = await t.graphql(key, 'mutation { createWatchlist(input: { name: "w5" }) { id } }');
    expect(sixth.body.errors?.[0]).toMatchObject({
      message: 'Forbidden: a free workspace has at most 5 watchlists; delete one first.',
      extensions: { code: 'forbidden' },
    });
    const [first] = (await gql(key, '{ watchlists { edges { node { id } } } }')).watchlists.edges;
    const entries = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({ type: 'KEYWORD', value: `brand-${from + i}` }));
    await gql(
      key,
      'mutation ($id: ID!, $e: [WatchlistEntryInput!]!) { addWatchlistEntries(watchlistId: $id, entries: $e) { id } }',
      { id: first.node.id, e: entries(100) },
    );
    const over = await t.graphql(
      key,
      'mutation ($id: ID!, $e: [WatchlistEntryInput!]!) { addWatchlistEntries(watchlistId: $id, entries: $e) { id } }',
      { id: first.node.id, e: entries(1, 100) },
    );
    expect(over.body.errors?.[0]).toMatchObject({
      message: 'Forbidden: a free workspace has at most 100 watchlist entries in all; remove some first.',
    });
    const [stored] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from watchlist_entries e join watchlists w on w.id = e.watchlist_id where w.workspace_id = ${free.id}::uuid`,
    );
    expect(stored!.n).toBe(100);
    expect(
      (
        await t.database.rows<{ n: number }>(
          sql`select count(*)::int as n from watchlists where workspace_id = ${free.id}::uuid`,
        )
      )[0]!.n,
    ).toBe(5);
    // A hundred keywords sharing the prefix `brand-` are not all keyed on one run of it.
    const [spread] = await t.database.rows<{ most: number }>(sql`
      select max(n)::int as most from (select count(*) as n from watchlist_entries e join watchlists w on w.id = e.watchlist_id
      where w.workspace_id = ${free.id}::uuid group by e.keyword_gram) g`);
    expect(spread!.most).toBeLessThan(50);
  });

  it('100,000 keyword entries of other workspaces leave an import of 1,000 IOCs within its time without them, and keywords still match', async () => {
    const batch = (round: number): IocUpsert[] =>
      Array.from({ length: 1000 }, (_, i) =>
        upsertOf(
          i % 2 ? 'domain' : 'url',
          i % 2
            ? `host-${round}-${i}.phish-example.test`
            : `https://login-${round}-${i}.phish-example.test/account/verify?id=${i}`,
          { threatType: 'phishing', confidence: 60, source: 'test' },
        ),
      );
    let round = 0;
    const importOnce = () => upsertIocs(t.database.db, null, batch(++round));
    await importOnce();
    const without = await medianTime(importOnce, 7);

    // 100 workspaces of 1,000 keywords each, written as the API would store them; none in these IOCs.
    await t.database.rows(sql`
      with ws as (insert into workspaces (name, plan) select 'noisy ' || g, 'enterprise' from generate_series(1, 100) g returning id),
           wl as (insert into watchlists (workspace_id, name) select id, 'many keywords' from ws returning id)
      insert into watchlist_entries (watchlist_id, type, value)
      select wl.id, 'keyword', 'kw-' || md5(wl.id::text || k) from wl, generate_series(1, 1000) k`);
    // As after any bulk write: the table's statistics and visibility map brought up to date.
    await t.database.rows(sql`vacuum analyze watchlist_entries`);
    await importOnce();
    const withKeywords = await medianTime(importOnce, 7);
    const figure = ratio(withKeywords, without, 5);
    console.log(
      `import of 1,000 IOCs: ${without.toFixed(1)} ms without keywords, ${withKeywords.toFixed(1)} ms with 100,000 (${figure.toFixed(2)} ×)`,
    );
    // The contract's bound is 1.3 × (measured in the closing note); on a shared machine the test allows noise.
    expect(figure).toBeLessThan(2);

    // What an import reads of the keywords, counted by PostgreSQL: the few keyed on the IOCs' own
    // runs, never the 100,000 (the old join read every keyword for every IOC: 100,000,000 rows).
    const keywordRowsRead = async () => {
      await t.database.rows(sql`select pg_stat_force_next_flush()`).catch(() => undefined);
      await t.database.rows(sql`select pg_stat_clear_snapshot()`);
      const [stats] = await t.database.rows<{ n: string }>(
        sql`select (coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::text as n from pg_stat_user_tables where relname = 'watchlist_entries'`,
      );
      return Number(stats?.n ?? 0);
    };
    const before = await keywordRowsRead();
    await importOnce();
    const read = (await keywordRowsRead()) - before;
    console.log(`keyword rows read by an import of 1,000 IOCs among 100,000 keywords: ${read}`);
    expect(read).toBeLessThan(10_000);

    // And a keyword in every one of them is found, through the same index, once per IOC.
    const watcher = await t.createWorkspace({ plan: 'pro' });
    const watcherKey = (await t.createKey(watcher.id)).key;
    await gql(
      watcherKey,
      'mutation { createWatchlist(input: { name: "brand", entries: [{ type: KEYWORD, value: "phish-example" }] }) { id } }',
    );
    const { created, alerts } = await upsertIocs(t.database.db, null, batch(++round));
    expect({ created, alerts }).toEqual({ created: 1000, alerts: 1000 });
    // Writing 100,000 entries one trigger call each takes most of a minute on the embedded database.
  }, 120_000);

  it('a keyword added after this process read its set of keyword keys is still matched (the set is stale, not wrong)', async () => {
    const ioc = (value: string): IocUpsert => upsertOf('domain', value);
    const watcher = await t.createWorkspace({ plan: 'pro' });
    const key = (await t.createKey(watcher.id)).key;
    await upsertIocs(t.database.db, null, [ioc('warm-up.example')]);
    // Another process adds a keyword: this process's set does not have its key yet.
    const created = await gql(
      key,
      'mutation { createWatchlist(input: { name: "late", entries: [{ type: KEYWORD, value: "latebrand" }] }) { id } }',
    );
    expect(created.createWatchlist.id).toBeTruthy();
    expect(await upsertIocs(t.database.db, null, [ioc('login-latebrand.example')])).toMatchObject({
      created: 1,
      alerts: 1,
    });
    // The next write has the new set, and matches through it; a value that is not plain ASCII is split in SQL.
    expect(
      await upsertIocs(t.database.db, null, [
        ioc('latebrand-secure.example'),
        ioc('xn--latebrand-ü.example'),
        ioc('unrelated.example'),
      ]),
    ).toMatchObject({ alerts: 2 });
    expect(
      await upsertIocs(t.database.db, null, [{ ...ioc('https://latebrand.example/ü'), type: 'url' }]),
    ).toMatchObject({ alerts: 1 });
  });
});

describe('finding 13: parallel submissions of the same values never answer 500', () => {
  it('four POST /api/v1/iocs of the same 1,000 values in different orders all answer 200', async () => {
    const key = (await t.createKey((await t.createWorkspace()).id)).key;
    const values = Array.from({ length: 1000 }, (_, i) => `198.51.${Math.floor(i / 250)}.${i % 250}`);
    const orders = [values, [...values].reverse(), [...values.slice(500), ...values.slice(0, 500)], [...values].sort()];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        orders.map((order) =>
          t.fetch('/api/v1/iocs', {
            method: 'POST',
            headers: { authorization: `Bearer ${key}` },
            body: JSON.stringify({ iocs: order.map((value) => ({ value, confidence: 50 + round })) }),
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    }
  });
});
