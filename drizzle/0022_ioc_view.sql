ALTER TABLE "ioc_sightings" DROP CONSTRAINT "ioc_sightings_workspace_id_ioc_id_pk";--> statement-breakpoint
ALTER TABLE "ioc_sightings" ADD CONSTRAINT "ioc_sightings_ioc_id_workspace_id_pk" PRIMARY KEY("ioc_id","workspace_id");--> statement-breakpoint
ALTER TABLE "ioc_sightings" ADD COLUMN "excluded_by" text;--> statement-breakpoint
ALTER TABLE "ioc_sightings" ADD COLUMN "changed_at" timestamp(3) with time zone;--> statement-breakpoint
ALTER TABLE "ioc_sightings" ADD COLUMN "created_at" timestamp(3) with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "exclusion_entries_workspaces" ON "exclusion_entries" USING btree ("kind","value") WHERE workspace_id is not null;--> statement-breakpoint
CREATE INDEX "ioc_sightings_changes" ON "ioc_sightings" USING btree ("workspace_id","changed_at","ioc_id") WHERE changed_at is not null;--> statement-breakpoint
CREATE INDEX "ioc_sightings_reports" ON "ioc_sightings" USING btree ("workspace_id","updated_at") WHERE count > 0 or false_positive;--> statement-breakpoint
CREATE INDEX "ioc_sightings_excluded" ON "ioc_sightings" USING btree ("workspace_id") WHERE excluded_by is not null;--> statement-breakpoint
-- What a workspace's exclusion lists cover, kept on its view of each IOC (ioc_sightings.excluded_by):
-- recomputed whole after every change of the workspace's lists (src/iocs/exclusions.ts), the
-- first covering list by name; a row whose cover changes gets a new changed_at (its TAXII change).
-- Each kind is read only when the workspace has entries of it.
CREATE FUNCTION refresh_exclusion_coverage(ws uuid) RETURNS integer
LANGUAGE sql VOLATILE AS $$
  -- Each kind is looked up from the IOC's side, one probe per value, whatever the statistics say (a
  -- list's entries are new in this transaction, and the planner, counting none, would read them all
  -- for every IOC): a value through the IOCs' value index; each host of a domain, URL or email, as a
  -- scalar subquery (always a parameterised probe) of the entries' (workspace, kind, value) index;
  -- each address through the GiST index of ranges, the workspace's condition written so that no
  -- other index can be preferred to it.
  WITH hits AS (
    SELECT i.id, l.name
    FROM exclusion_entries e
    JOIN exclusion_lists l ON l.id = e.list_id
    JOIN iocs i ON i.value = e.value COLLATE "C" AND (i.workspace_id IS NULL OR i.workspace_id = ws)
    WHERE e.workspace_id = ws AND e.kind = 'value'
    UNION ALL
    SELECT id, name FROM (
      SELECT i.id, (
        SELECT min((
          SELECT min(l.name) FROM exclusion_entries e JOIN exclusion_lists l ON l.id = e.list_id
          WHERE e.workspace_id = ws AND e.kind = 'suffix' AND e.value = h.host))
        FROM unnest(ioc_hosts(i.type::text, i.value COLLATE "default")) AS h(host)) AS name
      FROM iocs i
      WHERE i.type IN ('domain', 'url', 'email') AND (i.workspace_id IS NULL OR i.workspace_id = ws)
        AND EXISTS (SELECT 1 FROM exclusion_entries x WHERE x.workspace_id = ws AND x.kind = 'suffix')
      OFFSET 0 -- each probe once: the condition below is not pushed into it (and run twice)
    ) AS suffixes WHERE name IS NOT NULL
    UNION ALL
    SELECT id, name FROM (
      SELECT i.id, (
        SELECT min(l.name) FROM exclusion_entries e JOIN exclusion_lists l ON l.id = e.list_id
        WHERE e.kind = 'cidr' AND e.network >>= i.value::inet AND (e.workspace_id = ws) IS TRUE) AS name
      FROM iocs i
      WHERE i.type IN ('ipv4', 'ipv6') AND (i.workspace_id IS NULL OR i.workspace_id = ws)
        AND EXISTS (SELECT 1 FROM exclusion_entries x WHERE x.workspace_id = ws AND x.kind = 'cidr')
      OFFSET 0
    ) AS ranges WHERE name IS NOT NULL
  ), covered AS (
    SELECT id, min(name) AS name FROM hits GROUP BY id
  ), marked AS (
    INSERT INTO ioc_sightings AS s (workspace_id, ioc_id, excluded_by, changed_at)
    SELECT ws, id, name, now() FROM covered
    ON CONFLICT (workspace_id, ioc_id) DO UPDATE
      SET excluded_by = excluded.excluded_by, changed_at = excluded.changed_at
      WHERE s.excluded_by IS DISTINCT FROM excluded.excluded_by
    RETURNING 1
  ), cleared AS (
    UPDATE ioc_sightings s SET excluded_by = NULL, changed_at = now()
    WHERE s.workspace_id = ws AND s.excluded_by IS NOT NULL AND NOT EXISTS (SELECT 1 FROM covered c WHERE c.id = s.ioc_id)
    RETURNING 1
  )
  SELECT ((SELECT count(*) FROM marked) + (SELECT count(*) FROM cleared))::int
$$;
--> statement-breakpoint
-- The views as they stood: judgements changed the view when they were made, lists now.
UPDATE ioc_sightings SET changed_at = judged_at WHERE judged_at IS NOT NULL;
--> statement-breakpoint
SELECT refresh_exclusion_coverage(w) FROM (SELECT DISTINCT workspace_id AS w FROM exclusion_entries WHERE workspace_id IS NOT NULL) AS ws;
