/**
 * Leak searches, each one range of one index read in key order (keyset pagination), so a page
 * costs the same whether the table holds a thousand leaks or ten million.
 */
import { and, asc, eq, getTableColumns, gt, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cardLeaks, credentialLeaks } from '../db/schema.js';
import { domainKey } from '../normalize.js';

const { domainKey: _domainKey, ...credentialColumns } = getTableColumns(credentialLeaks);
/** A leak as the API shows it; `sortKey` (the domain key) comes with domain searches, for their cursor. */
export type CredentialLeakRow = Omit<typeof credentialLeaks.$inferSelect, 'domainKey'> & { sortKey?: string };
export type CardLeakRow = typeof cardLeaks.$inferSelect;

/** The row after which a page starts: the sort key of the last row of the previous page. */
export type After = readonly [string, string] | null;

/** Leaks at the domain or any subdomain: the byte range [`com.example.`, `com.example/`). */
export async function credentialLeaksByDomain(db: Db, domain: string, limit: number, after: After) {
  const from = domainKey(domain);
  const to = `${from.slice(0, -1)}/`;
  return db
    .select({ ...credentialColumns, sortKey: credentialLeaks.domainKey })
    .from(credentialLeaks)
    .where(
      and(
        gte(credentialLeaks.domainKey, from),
        lt(credentialLeaks.domainKey, to),
        after ? sql`(${credentialLeaks.domainKey}, ${credentialLeaks.id}) > (${after[0]}, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(credentialLeaks.domainKey), asc(credentialLeaks.id))
    .limit(limit);
}

export async function credentialLeaksByEmail(db: Db, email: string, limit: number, afterId: string | null) {
  return db
    .select(credentialColumns)
    .from(credentialLeaks)
    .where(and(eq(credentialLeaks.email, email), afterId ? gt(credentialLeaks.id, afterId) : undefined))
    .orderBy(asc(credentialLeaks.id))
    .limit(limit);
}

/** Cards whose BIN starts with `bin`: digits sort before `:`, so the range is [bin, bin + ':'). */
export async function cardLeaksByBin(db: Db, bin: string, limit: number, after: After) {
  return db
    .select()
    .from(cardLeaks)
    .where(
      and(
        gte(cardLeaks.bin, bin),
        lt(cardLeaks.bin, `${bin}:`),
        after ? sql`(${cardLeaks.bin}, ${cardLeaks.id}) > (${after[0]}, ${after[1]}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(cardLeaks.bin), asc(cardLeaks.id))
    .limit(limit);
}
