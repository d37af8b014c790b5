/**
 * The lists page by keyset: each must be read in its order straight from an index, or a page costs
 * a sort of every matching row (a DESC NULLS LAST index once made the IOC listing scan 1,000,000
 * rows). With sorting and sequential scans priced out, a plan that still sorts has no such index.
 */
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INDICATOR_NAMESPACE } from '../../src/core/stixIds.js';
import { RANGE_SQL } from '../../src/dataleaks/passwordCounts.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

async function plan(query: SQL): Promise<string> {
  return t.database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_sort = off`);
    await tx.execute(sql`set local enable_seqscan = off`);
    const rows = await tx.execute(sql`explain ${query}`);
    const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { 'QUERY PLAN': string }[];
    return list.map((r) => r['QUERY PLAN']).join('\n');
  });
}

const ws = '00000000-0000-4000-8000-000000000000';

describe('keyset pages are read in index order', () => {
  it.each([
    [
      'IOCs of a type, newest first',
      sql`select * from iocs where (workspace_id is null or workspace_id = ${ws}) and type = 'ipv4' order by updated_at desc, id desc limit 11`,
    ],
    [
      'all IOCs, newest first',
      sql`select * from iocs where workspace_id is null or workspace_id = ${ws} order by updated_at desc, id desc limit 11`,
    ],
    [
      'audit events, newest first',
      sql`select * from audit_events where workspace_id = ${ws} order by created_at desc, id desc limit 11`,
    ],
    [
      'leaks of a domain and its subdomains',
      sql`select * from credential_leaks where domain_key >= 'com.example.' and domain_key < 'com.example/' order by domain_key, id limit 11`,
    ],
    [
      'leaks captured on a website and its subdomains',
      sql`select * from credential_leaks where site_key >= 'com.example.' and site_key < 'com.example/' order by site_key, id limit 11`,
    ],
    ['leaks of an address', sql`select * from credential_leaks where email = 'a@example.com' order by id limit 11`],
    [
      'cards of a BIN',
      sql`select * from card_leaks where bin >= '411111' and bin < '411111:' order by bin, id limit 11`,
    ],
    [
      'a TAXII page of the shared feed after added_after and next, oldest first',
      sql`select * from iocs where updated_at <= now() - interval '2 seconds' and workspace_id is null
          and (updated_at, id) > ('2026-01-01 00:00:00+00'::timestamptz, ${ws}::uuid) and updated_at > '2026-01-01 00:00:00+00'::timestamptz
          order by updated_at, id limit 101`,
    ],
  ])('%s', async (_name, query) => {
    const text = await plan(query);
    expect(text, text).not.toMatch(/Sort|Seq Scan/);
    expect(text, text).toMatch(/Index Scan/);
  });
});

describe('a lookup is one index scan over its values', () => {
  it('reads iocs by value = any(…) through the identity index, without a sort', async () => {
    const text = await plan(
      sql`select * from iocs where value = any('{evil.example,203.0.113.10}'::text[]) and (workspace_id is null or workspace_id = ${ws})`,
    );
    expect(text, text).not.toMatch(/Sort|Seq Scan/);
    expect(text, text).toMatch(/iocs_identity/);
  });
});

describe('a TAXII object by its STIX id', () => {
  it('finds the IOC through the index of its indicator id (uuid-ossp), not by computing every id', async () => {
    const text = await plan(
      sql`select * from iocs where workspace_id is null
          and uuid_generate_v5(${sql.raw(`'${INDICATOR_NAMESPACE}'`)}::uuid, id::text) = any('{768be4ad-6d54-553c-a38b-beaae03a5205}'::uuid[])`,
    );
    expect(text, text).not.toMatch(/Seq Scan/);
    expect(text, text).toMatch(/iocs_stix_indicator/);
  });
});

describe('the breached-password range search', () => {
  // Not a page of a listing: a range holds a few dozen hashes (a few thousand at billions of
  // leaks), so summing the two tables' rows may sort them; neither table may be read whole.
  it.each([
    ['sha1', 'password_counts_pkey', 'password_counts_pending_sha1'],
    ['ntlm', 'password_ntlm_counts_pkey', 'password_ntlm_counts_pending_ntlm'],
  ] as const)('reads one range of the counted hashes and one of those pending (%s)', async (mode, counts, pending) => {
    const text = await plan(sql.raw(RANGE_SQL[mode].replaceAll('$1', "'abcde0'").replaceAll('$2', "'abcdf0'")));
    expect(text, text).not.toMatch(/Seq Scan/);
    expect(text, text).toMatch(new RegExp(`Index Scan (using|on) ${counts} `));
    expect(text, text).toMatch(new RegExp(`Index Scan (using|on) ${pending} `));
  });
});

describe('what one tenant can ask is read through an index, whatever the others hold (docs/api.md §12)', () => {
  it.each([
    [
      'a keyword lookup by the runs of an IOC',
      sql`select id, value from watchlist_entries where keyword_gram = any('{phis,hish}'::text[])`,
      /watchlist_entries_keyword_gram/,
    ],
    [
      'alerts raised per day of a workspace',
      sql`select day, count from alert_daily_counts where workspace_id = ${ws}::uuid and day >= '2026-01-01'`,
      /alert_daily_counts_workspace_id_day_pk/,
    ],
    [
      'alerts still new, by kind',
      sql`select kind, count from alert_new_counts where workspace_id = ${ws}::uuid and count > 0`,
      /alert_new_counts_workspace_id_kind_pk/,
    ],
    [
      'an endpoint’s waiting deliveries, oldest due first',
      sql`select id from webhook_deliveries where endpoint_id = ${ws}::uuid and status = 'pending' and next_attempt_at <= now() order by next_attempt_at, id limit 2`,
      /webhook_deliveries_endpoint_pending/,
    ],
    [
      'the attempts running now',
      sql`select endpoint_id from webhook_deliveries where status = 'pending' and locked_until is not null and locked_until > now()`,
      /webhook_deliveries_leased/,
    ],
  ])('%s', async (_name, query, index) => {
    const text = await plan(query);
    expect(text, text).not.toMatch(/Seq Scan/);
    expect(text, text).toMatch(index);
  });
});
