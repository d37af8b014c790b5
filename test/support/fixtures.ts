/** Rows written straight to the tables, for tests that read them back through the API. */
import type { Db } from '../../src/db/handle.js';
import { cardLeaks, credentialLeaks, iocs } from '../../src/db/schema.js';
import { domainKey } from '../../src/core/normalize.js';

type NewIoc = typeof iocs.$inferInsert;

export async function insertIocs(db: Db, rows: Array<Partial<NewIoc> & Pick<NewIoc, 'type' | 'value'>>) {
  return db
    .insert(iocs)
    .values(rows.map((row) => ({ source: 'test-feed', threatType: 'c2', ...row })))
    .returning();
}

export async function insertCredentialLeaks(db: Db, emails: string[]) {
  return db
    .insert(credentialLeaks)
    .values(
      emails.map((email) => {
        const domain = email.slice(email.indexOf('@') + 1);
        return {
          email,
          domain,
          domainKey: domainKey(domain),
          username: email.slice(0, email.indexOf('@')),
          passwordMasked: 'h*****2',
          sourceName: 'test-breach',
          sourceType: 'breach' as const,
          leakedAt: '2026-01-01T00:00:00Z',
        };
      }),
    )
    .returning();
}

export async function insertCardLeaks(db: Db, bins: string[]) {
  return db
    .insert(cardLeaks)
    .values(
      bins.map((bin, i) => ({
        bin,
        last4: String(1000 + i).slice(-4),
        expiry: '12/29',
        brand: 'visa',
        sourceName: 'test-forum',
      })),
    )
    .returning();
}
