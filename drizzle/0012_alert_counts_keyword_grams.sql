CREATE TABLE "alert_daily_counts" (
	"workspace_id" uuid NOT NULL,
	"day" date NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "alert_daily_counts_workspace_id_day_pk" PRIMARY KEY("workspace_id","day")
);
--> statement-breakpoint
CREATE TABLE "alert_new_counts" (
	"workspace_id" uuid NOT NULL,
	"kind" "alert_kind" NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "alert_new_counts_workspace_id_kind_pk" PRIMARY KEY("workspace_id","kind")
);
--> statement-breakpoint
ALTER TABLE "watchlist_entries" ADD COLUMN "keyword_gram" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "alert_daily_counts" ADD CONSTRAINT "alert_daily_counts_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_new_counts" ADD CONSTRAINT "alert_new_counts_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "watchlist_entries_keyword_gram" ON "watchlist_entries" USING btree ("keyword_gram") WHERE keyword_gram IS NOT NULL;--> statement-breakpoint
-- The alert counts the summary reads, kept by one upsert per statement (transition tables), in
-- key order so that two statements meet the same counter rows in the same order.
CREATE FUNCTION count_alerts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO alert_daily_counts (workspace_id, day, count)
    SELECT workspace_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM inserted GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (workspace_id, day) DO UPDATE SET count = alert_daily_counts.count + excluded.count;
  INSERT INTO alert_new_counts (workspace_id, kind, count)
    SELECT workspace_id, kind, count(*) FROM inserted WHERE status = 'new' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (workspace_id, kind) DO UPDATE SET count = alert_new_counts.count + excluded.count;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_counted_inserted AFTER INSERT ON alerts REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION count_alerts_inserted();
--> statement-breakpoint
CREATE FUNCTION count_alerts_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE alert_new_counts c SET count = c.count + d.delta
  FROM (
    SELECT n.workspace_id, n.kind, sum(CASE WHEN n.status = 'new' THEN 1 ELSE 0 END - CASE WHEN o.status = 'new' THEN 1 ELSE 0 END) AS delta
    FROM after_update n JOIN before_update o ON o.id = n.id
    WHERE (n.status = 'new') <> (o.status = 'new')
    GROUP BY 1, 2 ORDER BY 1, 2
  ) d
  WHERE c.workspace_id = d.workspace_id AND c.kind = d.kind AND d.delta <> 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_counted_updated AFTER UPDATE ON alerts REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update FOR EACH STATEMENT EXECUTE FUNCTION count_alerts_updated();
--> statement-breakpoint
-- Decrements only update: when a workspace goes, its counters go with it (no row to re-create).
CREATE FUNCTION count_alerts_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE alert_daily_counts c SET count = c.count - d.n
  FROM (SELECT workspace_id, (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM deleted GROUP BY 1, 2 ORDER BY 1, 2) d
  WHERE c.workspace_id = d.workspace_id AND c.day = d.day;
  UPDATE alert_new_counts c SET count = c.count - d.n
  FROM (SELECT workspace_id, kind, count(*) AS n FROM deleted WHERE status = 'new' GROUP BY 1, 2 ORDER BY 1, 2) d
  WHERE c.workspace_id = d.workspace_id AND c.kind = d.kind;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_counted_deleted AFTER DELETE ON alerts REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION count_alerts_deleted();
--> statement-breakpoint
INSERT INTO alert_daily_counts (workspace_id, day, count)
  SELECT workspace_id, (created_at AT TIME ZONE 'UTC')::date, count(*) FROM alerts GROUP BY 1, 2;
--> statement-breakpoint
INSERT INTO alert_new_counts (workspace_id, kind, count)
  SELECT workspace_id, kind, count(*) FROM alerts WHERE status = 'new' GROUP BY 1, 2;
--> statement-breakpoint
-- A keyword's key for matching: of its runs of four characters (all of them up to 16, else 16 spread
-- evenly over it), the one that the fewest keywords already use (each count stops at 32: past that,
-- every run is as bad), ties broken at random, so that keywords sharing a prefix ("brand-a",
-- "brand-b"...) spread over the index instead of piling up. At most 16 x 32 index entries read
-- per keyword added, whatever it and the others hold.
CREATE FUNCTION watchlist_keyword_gram(keyword text) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT g FROM (
    SELECT DISTINCT substr(keyword, p, 4) COLLATE "C" AS g
    FROM (
      SELECT CASE WHEN length(keyword) - 3 <= 16 THEN k + 1 ELSE 1 + (k * (length(keyword) - 4)) / 15 END AS p
      FROM generate_series(0, least(15, length(keyword) - 4)) AS k
    ) positions
  ) grams
  ORDER BY (SELECT count(*) FROM (SELECT 1 FROM watchlist_entries e WHERE e.keyword_gram = grams.g LIMIT 32) used), random()
  LIMIT 1
$$;
--> statement-breakpoint
CREATE FUNCTION set_watchlist_keyword_gram() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.keyword_gram := CASE WHEN NEW.type = 'keyword' AND length(NEW.value) >= 4 THEN watchlist_keyword_gram(NEW.value) END;
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER watchlist_entries_keyword_gram BEFORE INSERT OR UPDATE OF type, value ON watchlist_entries FOR EACH ROW EXECUTE FUNCTION set_watchlist_keyword_gram();
--> statement-breakpoint
UPDATE watchlist_entries SET keyword_gram = watchlist_keyword_gram(value) WHERE type = 'keyword' AND length(value) >= 4;
