/** TAXII status resources (docs/api.md §11): one per envelope a workspace POSTs, kept for a week. */
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { taxiiStatuses } from '../db/schema.js';

export interface StatusDetail {
  id: string;
  version: string;
  message?: string;
}

export type StatusRow = Omit<typeof taxiiStatuses.$inferSelect, 'successes' | 'failures'> & {
  successes: StatusDetail[];
  failures: StatusDetail[];
};

/** How long a status stays readable. */
const KEPT_FOR = sql`interval '7 days'`;

export async function insertStatus(
  db: Db,
  values: {
    workspaceId: string;
    requestTimestamp: string;
    totalCount: number;
    successCount: number;
    failureCount: number;
    successes: StatusDetail[];
    failures: StatusDetail[];
  },
): Promise<StatusRow> {
  // Statuses older than a week go as new ones come: the table stays the size of a week of POSTs.
  await db.delete(taxiiStatuses).where(lt(taxiiStatuses.createdAt, sql`now() - ${KEPT_FOR}`));
  const [row] = await db.insert(taxiiStatuses).values(values).returning();
  return row as StatusRow;
}

export async function findStatus(db: Db, workspaceId: string, id: string): Promise<StatusRow | null> {
  const [row] = await db
    .select()
    .from(taxiiStatuses)
    .where(
      and(
        eq(taxiiStatuses.id, id),
        eq(taxiiStatuses.workspaceId, workspaceId),
        sql`${taxiiStatuses.createdAt} > now() - ${KEPT_FOR}`,
      ),
    );
  return (row as StatusRow | undefined) ?? null;
}
