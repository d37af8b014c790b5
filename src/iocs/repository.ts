/**
 * IOC reads. Visibility (API.md §5) is part of every query: the shared feed (no workspace) and the
 * caller's own IOCs, never another workspace's.
 */
import { and, arrayContains, count, desc, eq, getTableColumns, gte, isNull, like, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { iocs } from '../db/schema.js';
import type { IocType } from '../normalize.js';

export type IocRow = typeof iocs.$inferSelect;

export interface IocFilters {
  type?: IocType | null | undefined;
  /** A value prefix, already normalised for the type. */
  valuePrefix?: string | null | undefined;
  updatedSince?: string | null | undefined;
  minConfidence?: number | null | undefined;
  tag?: string | null | undefined;
}

export function visibleTo(workspaceId: string): SQL {
  return or(isNull(iocs.workspaceId), eq(iocs.workspaceId, workspaceId))!;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function filterConditions(workspaceId: string, f: IocFilters): SQL {
  return and(
    visibleTo(workspaceId),
    f.type ? eq(iocs.type, f.type) : undefined,
    f.valuePrefix ? like(iocs.value, `${escapeLike(f.valuePrefix)}%`) : undefined,
    f.updatedSince ? gte(iocs.updatedAt, f.updatedSince) : undefined,
    f.minConfidence !== null && f.minConfidence !== undefined ? gte(iocs.confidence, f.minConfidence) : undefined,
    f.tag ? arrayContains(iocs.tags, [f.tag]) : undefined,
  )!;
}

/** Newest first: (updated_at, id) descending, continuing strictly after `after`. */
export async function listIocs(
  db: Db,
  workspaceId: string,
  filters: IocFilters,
  limit: number,
  after: { updatedAt: string; id: string } | null,
): Promise<IocRow[]> {
  return db
    .select()
    .from(iocs)
    .where(
      and(
        filterConditions(workspaceId, filters),
        after ? sql`(${iocs.updatedAt}, ${iocs.id}) < (${after.updatedAt}::timestamptz, ${after.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(iocs.updatedAt), desc(iocs.id))
    .limit(limit);
}

export async function countIocs(db: Db, workspaceId: string, filters: IocFilters): Promise<number> {
  const [row] = await db.select({ n: count() }).from(iocs).where(filterConditions(workspaceId, filters));
  return row?.n ?? 0;
}

export async function findIoc(db: Db, workspaceId: string, id: string): Promise<IocRow | undefined> {
  const [row] = await db
    .select()
    .from(iocs)
    .where(and(eq(iocs.id, id), visibleTo(workspaceId)));
  return row;
}

/**
 * The visible IOC for each (type, value), in one round trip. Where the workspace has its own IOC
 * and the feed has one too, the workspace's own wins.
 */
export async function findIocsByValue(
  db: Db,
  workspaceId: string,
  wanted: readonly { type: IocType; value: string }[],
): Promise<IocRow[]> {
  if (wanted.length === 0) return [];
  const pairs = sql.join(
    wanted.map(({ type, value }) => sql`(${type}::ioc_type, ${value}::text)`),
    sql`, `,
  );
  const columns = getTableColumns(iocs);
  return db
    .selectDistinctOn([iocs.type, iocs.value], columns)
    .from(iocs)
    .where(and(sql`(${iocs.type}, ${iocs.value}) in (${pairs})`, visibleTo(workspaceId)))
    .orderBy(iocs.type, iocs.value, sql`${iocs.workspaceId} nulls last`);
}
