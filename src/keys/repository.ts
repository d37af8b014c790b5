/** Reads of keys and audit events, always without the secret hash. */
import { and, count, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { apiKeys, auditEvents, type ApiKeyRow } from '../db/schema.js';

/** A key as the API shows it: everything but the hash. */
export type ApiKeyShape = Omit<ApiKeyRow, 'secretHash'>;
export type AuditEventRow = typeof auditEvents.$inferSelect;

const { secretHash: _secretHash, ...shownColumns } = getTableColumns(apiKeys);

export async function findApiKey(db: Db, id: string): Promise<ApiKeyShape | undefined> {
  const [row] = await db.select(shownColumns).from(apiKeys).where(eq(apiKeys.id, id));
  return row;
}

/** Every key of the workspace, newest first. */
export function listApiKeys(db: Db, workspaceId: string): Promise<ApiKeyShape[]> {
  return db
    .select(shownColumns)
    .from(apiKeys)
    .where(eq(apiKeys.workspaceId, workspaceId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function countKeys(db: Db, workspaceId: string, condition: ReturnType<typeof and>): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), condition));
  return row?.n ?? 0;
}

/** Newest first, continuing strictly after `after` = [createdAt, id]. */
export function listAuditEvents(db: Db, workspaceId: string, limit: number, after: readonly [string, string] | null) {
  return db
    .select()
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.workspaceId, workspaceId),
        after
          ? sql`(${auditEvents.createdAt}, ${auditEvents.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(limit);
}
