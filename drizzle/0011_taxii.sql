-- STIX indicator ids are name-based UUIDs (v5) of IOC ids; uuid-ossp computes the same in SQL, so
-- that TAXII can find an indicator by its id through an index (API.md §11). The extension is
-- trusted: a database owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";--> statement-breakpoint
CREATE TABLE "taxii_statuses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"request_timestamp" timestamp(6) with time zone DEFAULT now() NOT NULL,
	"total_count" integer NOT NULL,
	"successes" jsonb NOT NULL,
	"failures" jsonb NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "taxii_statuses" ADD CONSTRAINT "taxii_statuses_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "taxii_statuses_created" ON "taxii_statuses" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "iocs_stix_indicator" ON "iocs" USING btree (uuid_generate_v5('a8d5d2b6-4c1e-5b7a-9f0e-3c6b1d2e7f40'::uuid, "id"::text));