/**
 * The calling workspace's own view of an IOC (docs/api.md §13, table `ioc_sightings`): what it saw
 * and judged of it, and which of its exclusion lists covers it. Every IOC read of
 * src/iocs/repository.ts joins it once (`VIEW_JOIN`, for the workspace whose id is the statement's
 * first parameter, `$1`) and reads its columns below under their `view_` names: one index probe a
 * row, planned as one join, where subqueries per field made the planner's work larger than the
 * query's (docs/performance.md).
 */

/** A view row's columns under their `view_` names (the IOC reads, and the view's changes in order). */
export const VIEW_COLUMNS = `ioc_id as view_ioc, count as view_count, last_seen as view_last_seen,
  false_positive as view_false_positive, excluded_by as view_excluded_by, changed_at as view_changed_at`;

/**
 * The workspace's row for each IOC, when it has one; its columns renamed so that none shadows an
 * IOC's. A lateral probe of the primary key (workspace, IOC) per row read, whatever the statistics
 * say: as a plain join, a workspace whose lists had just covered 25,000 IOCs was read whole for
 * every listing (the planner, counting few rows, materialised them all).
 */
export const VIEW_JOIN = `left join lateral (
    select ${VIEW_COLUMNS} from ioc_sightings where workspace_id = $1::uuid and ioc_id = iocs.id limit 1) as view on true`;

/** The workspace's sightings of the row's IOC: `{ count, last_seen }`, a count of 0 when none. */
export const SIGHTINGS_SQL = `(case when view_count > 0
  then json_build_object('count', least(view_count, 2147483647), 'last_seen', to_char(view_last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
  else json_build_object('count', 0, 'last_seen', null) end)`;

/** Whether the workspace judged the row's IOC a false positive. */
export const FALSE_POSITIVE_SQL = `coalesce(view_false_positive, false)`;

/** The name of the first of the workspace's exclusion lists that covers the row's IOC, or null. */
export const EXCLUDED_BY_SQL = `view_excluded_by`;

/** Whether the workspace keeps the row's IOC: not judged a false positive, not covered by its lists. */
export const KEPT_SQL = `not coalesce(view_false_positive or view_excluded_by is not null, false)`;

/** How many workspaces judged the row's IOC a false positive, for a shared-feed IOC (0 for a workspace's own). */
export const FALSE_POSITIVE_REPORTS_SQL = `(case when workspace_id is null then (select count(*)::int from ioc_sightings s where s.ioc_id = iocs.id and s.false_positive) else 0 end)`;
