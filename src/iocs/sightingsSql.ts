/**
 * What a workspace saw and judged of an IOC (docs/api.md §13, table `ioc_sightings`), as SQL over a
 * row of `iocs`, for the workspace whose id is the statement's first parameter (`$1`): the reads of
 * src/iocs/repository.ts put it there.
 */

/** The workspace's sightings of the row's IOC: `{ count, last_seen }`, a count of 0 when none. */
export const SIGHTINGS_SQL = `coalesce(
  (select json_build_object('count', least(s.count, 2147483647), 'last_seen', to_char(s.last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
   from ioc_sightings s where s.workspace_id = $1::uuid and s.ioc_id = iocs.id and s.count > 0),
  json_build_object('count', 0, 'last_seen', null))`;

/** Whether the workspace judged the row's IOC a false positive. */
export const FALSE_POSITIVE_SQL = `exists (select 1 from ioc_sightings s where s.workspace_id = $1::uuid and s.ioc_id = iocs.id and s.false_positive)`;

/** How many workspaces judged the row's IOC a false positive, for a shared-feed IOC (0 for a workspace's own). */
export const FALSE_POSITIVE_REPORTS_SQL = `(case when workspace_id is null then (select count(*)::int from ioc_sightings s where s.ioc_id = iocs.id and s.false_positive) else 0 end)`;
