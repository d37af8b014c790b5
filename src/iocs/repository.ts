/**
 * IOC reads. Visibility (API.md §5) is part of every query: the shared feed (no workspace) and the
 * caller's own IOCs, never another workspace's.
 */
import { and, arrayContains, count, desc, eq, getTableColumns, gte, isNull, like, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { prepared } from '../db/prepared.js';
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

/**
 * The listing is the hot path of every SIEM connector, so its SQL is built once per shape (which
 * filters are present) and prepared, instead of being assembled by the query builder each time.
 */
function prepareListing(db: Db, shape: string) {
  const has = (flag: string) => shape.includes(flag);
  const p = sql.placeholder;
  return db
    .select()
    .from(iocs)
    .where(
      and(
        or(isNull(iocs.workspaceId), eq(iocs.workspaceId, p('workspaceId'))),
        has('t') ? eq(iocs.type, p('type')) : undefined,
        has('q') ? like(iocs.value, p('pattern')) : undefined,
        has('u') ? gte(iocs.updatedAt, p('updatedSince')) : undefined,
        has('c') ? gte(iocs.confidence, p('minConfidence')) : undefined,
        has('g') ? sql`${iocs.tags} @> array[${p('tag')}]::text[]` : undefined,
        has('a') ? sql`(${iocs.updatedAt}, ${iocs.id}) < (${p('afterUpdatedAt')}::timestamptz, ${p('afterId')}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(iocs.updatedAt), desc(iocs.id))
    .limit(p('limit'))
    .prepare(`iocs_listing_${shape || 'all'}`);
}

/** Newest first: (updated_at, id) descending, continuing strictly after `after`. */
export async function listIocs(
  db: Db,
  workspaceId: string,
  filters: IocFilters,
  limit: number,
  after: { updatedAt: string; id: string } | null,
): Promise<IocRow[]> {
  const values: Record<string, unknown> = { workspaceId, limit };
  let shape = '';
  if (filters.type) (shape += 't'), (values.type = filters.type);
  if (filters.valuePrefix) (shape += 'q'), (values.pattern = `${escapeLike(filters.valuePrefix)}%`);
  if (filters.updatedSince) (shape += 'u'), (values.updatedSince = filters.updatedSince);
  if (filters.minConfidence !== null && filters.minConfidence !== undefined) (shape += 'c'), (values.minConfidence = filters.minConfidence);
  if (filters.tag) (shape += 'g'), (values.tag = filters.tag);
  if (after) (shape += 'a'), (values.afterUpdatedAt = after.updatedAt), (values.afterId = after.id);

  return prepared(db, `iocs_listing_${shape}`, () => prepareListing(db, shape)).execute(values);
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
  // Two arrays as two parameters: one statement, prepared once, whatever the number of values.
  const query = prepared(db, 'iocs_by_value', () =>
    db
      .selectDistinctOn([iocs.type, iocs.value])
      .from(iocs)
      .where(
        and(
          // text[] rather than ioc_type[]: the driver knows how to send an array of a built-in type.
          sql`(${iocs.type}, ${iocs.value}) in (select t::ioc_type, v from unnest(${sql.placeholder('types')}::text[], ${sql.placeholder('values')}::text[]) as u(t, v))`,
          or(isNull(iocs.workspaceId), eq(iocs.workspaceId, sql.placeholder('workspaceId'))),
        ),
      )
      .orderBy(iocs.type, iocs.value, sql`${iocs.workspaceId} nulls last`)
      .prepare('iocs_by_value'),
  );
  return query.execute({ workspaceId, types: wanted.map((w) => w.type), values: wanted.map((w) => w.value) });
}
