/**
 * Leak searches, each one range of one index read in key order (keyset pagination), so a page
 * costs the same whether the table holds a thousand leaks or ten million. Each search is prepared
 * once per shape (first page, or after a cursor).
 */
import { and, asc, eq, getTableColumns, gt, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { prepared } from '../db/prepared.js';
import { cardLeaks, credentialLeaks, passwordCounts, passwordNtlmCounts } from '../db/schema.js';
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
 * Breached-password range search (docs/api.md §9, §16): every stored password hash that starts with
 * the 5 hex digits of `prefix`, with the number of leaks that hold it, in hash order; by SHA-1
 * (`password_counts`) or by NTLM hash (`password_ntlm_counts`). One range of the table's key:
 * [prefix·0, (prefix+1)·0) as bytes; a password shared by thousands of leaks is one row there.
 */
export function passwordHashesInRange(db: Db, prefix: string, mode: PasswordHashMode = 'sha1') {
  const value = parseInt(prefix, 16);
  const from = `${prefix.toLowerCase()}0`;
  const to = value === 0xfffff ? null : `${(value + 1).toString(16).padStart(5, '0')}0`;
  const table = mode === 'ntlm' ? passwordNtlmCounts : passwordCounts;
  const key = mode === 'ntlm' ? passwordNtlmCounts.ntlm : passwordCounts.sha1;
  const name = `password_range_${mode}_${to ? 'bounded' : 'last'}`;
  const query = prepared(db, name, (root) =>
    root
      .select({ hash: sql<string>`encode(${key}, 'hex')`, count: table.count })
      .from(table)
      .where(and(sql`${key} >= decode(${p('from')}, 'hex')`, to ? sql`${key} < decode(${p('to')}, 'hex')` : undefined))
      .orderBy(asc(key))
      .prepare(name),
  );
  return query.execute({ from, to });
}

/** Which hash of the passwords a range search reads. */
export type PasswordHashMode = 'sha1' | 'ntlm';

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
