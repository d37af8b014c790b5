-- What incoming data is matched on, per watchlist entry (API.md §10; src/alerts/matching.ts builds
-- the same keys for each incoming record): `d:` and the domain's labels reversed with a trailing dot
-- (`d:example.acme.`, so that a record's domain and its parents are a few equality lookups), `e:`
-- and the email, `b:` and the BIN, `k:` and the keyword.
CREATE FUNCTION watchlist_match_key(entry_type watchlist_entry_type, entry_value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE entry_type
    WHEN 'domain' THEN 'd:' || (SELECT string_agg(label, '.' ORDER BY n DESC) FROM unnest(string_to_array(entry_value, '.')) WITH ORDINALITY AS t(label, n)) || '.'
    WHEN 'email' THEN 'e:' || entry_value
    WHEN 'bin' THEN 'b:' || entry_value
    ELSE 'k:' || entry_value
  END
$$;--> statement-breakpoint
CREATE TYPE "public"."alert_kind" AS ENUM('credential_leak', 'card_leak', 'ioc');--> statement-breakpoint
CREATE TYPE "public"."alert_status" AS ENUM('new', 'acknowledged', 'resolved');--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"watchlist_id" uuid NOT NULL,
	"entry_id" uuid,
	"entry_type" "watchlist_entry_type" NOT NULL,
	"entry_value" text NOT NULL,
	"kind" "alert_kind" NOT NULL,
	"record_id" uuid NOT NULL,
	"status" "alert_status" DEFAULT 'new' NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alerts_identity" UNIQUE("entry_id","record_id")
);
--> statement-breakpoint
CREATE TABLE "password_counts" (
	"sha1" "bytea" PRIMARY KEY NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "watchlist_entries" ADD COLUMN "match_key" text COLLATE "C" GENERATED ALWAYS AS (watchlist_match_key(type, value)) STORED;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_watchlist_id_watchlists_id_fk" FOREIGN KEY ("watchlist_id") REFERENCES "public"."watchlists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_entry_id_watchlist_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."watchlist_entries"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alerts_workspace_recent" ON "alerts" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE INDEX "watchlist_entries_match" ON "watchlist_entries" USING btree ("match_key");--> statement-breakpoint
-- The leaks already stored, counted once.
INSERT INTO "password_counts" ("sha1", "count")
  SELECT "password_sha1", count(*) FROM "credential_leaks" WHERE "password_sha1" IS NOT NULL GROUP BY "password_sha1";--> statement-breakpoint
-- New alerts wake the alert streams of every server process, one notification per statement.
CREATE FUNCTION notify_alert_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('alert_created', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER alerts_created AFTER INSERT ON alerts FOR EACH STATEMENT EXECUTE FUNCTION notify_alert_created();
