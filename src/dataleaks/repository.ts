/**
 * Leak searches, each one range of one index read in key order (keyset pagination), so a page
 * costs the same whether the table holds a thousand leaks or ten million. Each search is prepared
 * once per shape (first page, or after a cursor).
 */
import { and, asc, eq, getTableColumns, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { prepared } from '../db/prepared.js';
import { cardLeaks, credentialLeaks } from '../db/schema.js';
import { domainKey } from '../core/normalize.js';

const {
  domainKey: _domainKey,
  siteKey: _siteKey,
  passwordSha1: _passwordSha1,
  ...credentialColumns
} = getTableColumns(credentialLeaks);
/**
 * A leak as the API shows it (never the password's hash); `sortKey` (the domain or site key) comes
 * with domain and site searches, for their cursor.
 */
export type CredentialLeakRow = Omit<typeof credentialLeaks.$inferSelect, 'domainKey' | 'siteKey' | 'passwordSha1'> & {
  sortKey?: string | null;
};
export type CardLeakRow = typeof cardLeaks.$inferSelect;

/** The row after which a page starts: the sort key of the last row of the previous page. */
export type After = readonly [string, string] | null;

const p = sql.placeholder;

/**
 * Leaks whose key column (the email's domain, or the site's host) is the domain or any subdomain:
 * the byte range [`com.example.`, `com.example/`) of its index.
 */
function credentialLeaksUnder(db: Db, by: 'domain' | 'site', domain: string, limit: number, after: After) {
  const column = by === 'domain' ? credentialLeaks.domainKey : credentialLeaks.siteKey;
  const name = `leaks_by_${by}_${after ? 'after' : 'first'}`;
  const from = domainKey(domain);
  const query = prepared(db, name, (root) =>
    root
      .select({ ...credentialColumns, sortKey: column })
      .from(credentialLeaks)
      .where(
        and(
          gte(column, p('from')),
          lt(column, p('to')),
          after ? sql`(${column}, ${credentialLeaks.id}) > (${p('afterKey')}, ${p('afterId')}::uuid)` : undefined,
        ),
      )
      .orderBy(asc(column), asc(credentialLeaks.id))
      .limit(p('limit'))
      .prepare(name),
  );
  return query.execute({ from, to: `${from.slice(0, -1)}/`, limit, afterKey: after?.[0], afterId: after?.[1] });
}

/** Leaked credentials whose email is at the domain or any subdomain. */
export const credentialLeaksByDomain = (db: Db, domain: string, limit: number, after: After) =>
  credentialLeaksUnder(db, 'domain', domain, limit, after);

/** Leaked credentials captured on the website at the domain or any subdomain (docs/api.md §9). */
export const credentialLeaksBySite = (db: Db, domain: string, limit: number, after: After) =>
  credentialLeaksUnder(db, 'site', domain, limit, after);

export function credentialLeaksByEmail(db: Db, email: string, limit: number, afterId: string | null) {
  const query = prepared(db, `leaks_by_email_${afterId ? 'after' : 'first'}`, (root) =>
    root
      .select(credentialColumns)
      .from(credentialLeaks)
      .where(and(eq(credentialLeaks.email, p('email')), afterId ? gt(credentialLeaks.id, p('afterId')) : undefined))
      .orderBy(asc(credentialLeaks.id))
      .limit(p('limit'))
      .prepare(`leaks_by_email_${afterId ? 'after' : 'first'}`),
  );
  return query.execute({ email, limit, afterId });
}

/** Cards whose BIN starts with `bin`: digits sort before `:`, so the range is [bin, bin + ':'). */
export function cardLeaksByBin(db: Db, bin: string, limit: number, after: After) {
  const query = prepared(db, `cards_by_bin_${after ? 'after' : 'first'}`, (root) =>
    root
      .select()
      .from(cardLeaks)
      .where(
        and(
          gte(cardLeaks.bin, p('from')),
          lt(cardLeaks.bin, p('to')),
          after ? sql`(${cardLeaks.bin}, ${cardLeaks.id}) > (${p('afterBin')}, ${p('afterId')}::uuid)` : undefined,
        ),
      )
      .orderBy(asc(cardLeaks.bin), asc(cardLeaks.id))
      .limit(p('limit'))
      .prepare(`cards_by_bin_${after ? 'after' : 'first'}`),
  );
  return query.execute({ from: bin, to: `${bin}:`, limit, afterBin: after?.[0], afterId: after?.[1] });
}

/**
 * How many rows a search matches, counting at most `cap + 1`: one range of the same index as the
 * search, stopped there, so a domain with millions of leaks costs what one with `cap` does.
 */
export async function countLeaks(
  db: Db,
  search: { by: 'domain' | 'site'; domain: string } | { by: 'email'; email: string } | { by: 'bin'; bin: string },
  cap: number,
): Promise<number> {
  let range: SQL;
  if (search.by === 'email') range = sql`select 1 from credential_leaks where email = ${search.email}`;
  else if (search.by === 'bin')
    range = sql`select 1 from card_leaks where bin >= ${search.bin} and bin < ${`${search.bin}:`}`;
  else {
    const from = domainKey(search.domain);
    const column = search.by === 'domain' ? sql.raw('domain_key') : sql.raw('site_key');
    range = sql`select 1 from credential_leaks where ${column} >= ${from} and ${column} < ${`${from.slice(0, -1)}/`}`;
  }
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(sql`(${range} limit ${cap + 1}) as matched`);
  return row?.count ?? 0;
}
