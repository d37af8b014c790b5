/**
 * Whether a workspace's exclusion lists cover an IOC (docs/api.md §13), as SQL over a row of `iocs`,
 * for the upsert's watchlist alerts (the reads find it kept on the workspace's view of the IOC,
 * src/iocs/sightingsSql.ts):
 * the name of the first list (by name) that holds its exact value, a domain suffix of its host
 * (`ioc_hosts`, drizzle/0021: a domain, a URL's host, an email's domain, with every parent), or a
 * CIDR range holding its address; null when none does. Each kind is looked up through its index,
 * and only when the workspace has entries of that kind at all (an uncorrelated `exists`,
 * evaluated once per statement), so that a workspace without lists pays nothing per row. An IOC's
 * value is byte-ordered (`collate "C"`); the entries' index is in the default collation, which the
 * comparison must name for the index to serve it.
 */
const kindLookup = (workspace: string, kind: string, match: string) => `case when (select exists (
    select 1 from exclusion_entries x where x.workspace_id = ${workspace} and x.kind = '${kind}')) then (
    select l.name from exclusion_entries e join exclusion_lists l on l.id = e.list_id
    where e.workspace_id = ${workspace} and e.kind = '${kind}' and ${match} order by l.name limit 1) end`;

/** The covering list's name, for the IOC row `row` (a table alias) and the workspace given as SQL. */
export const excludedBySql = (workspace: string, row: string) => `coalesce(
  ${kindLookup(workspace, 'value', `e.value = ${row}.value collate "default"`)},
  ${kindLookup(workspace, 'suffix', `e.value = any(ioc_hosts(${row}.type::text, ${row}.value collate "default"))`)},
  case when ${row}.type in ('ipv4', 'ipv6') then ${kindLookup(workspace, 'cidr', `e.network >>= ${row}.value::inet`)} end)`;
