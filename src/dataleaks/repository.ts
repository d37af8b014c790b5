/**
 * Leak searches, each one range of one index read in key order (keyset pagination), so a page
 * costs the same whether the table holds a thousand leaks or ten million. Each search is prepared
 * once per shape (first page, or after a cursor).
 */
import { and, asc, eq, getTableColumns, gt, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { prepared } from '../db/prepared.js';
import { cardLeaks, credentialLeaks } from '../db/schema.js';
import { domainKey } from '../normalize.js';

const { domainKey: _domainKey, ...credentialColumns } = getTableColumns(credentialLeaks);
/** A leak as the API shows it; `sortKey` (the domain key) comes with domain searches, for their cursor. */
export type CredentialLeakRow = Omit<typeof credentialLeaks.$inferSelect, 'domainKey'> & { sortKey?: string };
export type CardLeakRow = typeof cardLeaks.$inferSelect;

/** The row after which a page starts: the sort key of the last row of the previous page. */
export type After = readonly [string, string] | null;

const p = sql.placeholder;

/** Leaks at the domain or any subdomain: the byte range [`com.example.`, `com.example/`). */
export function credentialLeaksByDomain(db: Db, domain: string, limit: number, after: After) {
  const from = domainKey(domain);
  const query = prepared(db, `leaks_by_domain_${after ? 'after' : 'first'}`, (root) =>
    root
      .select({ ...credentialColumns, sortKey: credentialLeaks.domainKey })
      .from(credentialLeaks)
      .where(
        and(
          gte(credentialLeaks.domainKey, p('from')),
          lt(credentialLeaks.domainKey, p('to')),
          after ? sql`(${credentialLeaks.domainKey}, ${credentialLeaks.id}) > (${p('afterKey')}, ${p('afterId')}::uuid)` : undefined,
        ),
      )
      .orderBy(asc(credentialLeaks.domainKey), asc(credentialLeaks.id))
      .limit(p('limit'))
      .prepare(`leaks_by_domain_${after ? 'after' : 'first'}`),
  );
  return query.execute({ from, to: `${from.slice(0, -1)}/`, limit, afterKey: after?.[0], afterId: after?.[1] });
}

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
