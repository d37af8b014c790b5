-- Domains proven by DNS (API.md §15): a workspace claims a domain, publishes a TXT record, and
-- verifies it; the verified domain enters workspace_scope with source 'dns' (the scope's cache in
-- every process is told by the workspace_scope trigger of 0001). Alerts of kind 'scope' (a verified
-- domain lapsed) come from no watchlist: their watchlist and entry are null.
CREATE TYPE "public"."domain_claim_status" AS ENUM('pending', 'verified', 'lapsed');--> statement-breakpoint
ALTER TYPE "public"."alert_kind" ADD VALUE 'scope';--> statement-breakpoint
ALTER TYPE "public"."permission" ADD VALUE 'scope:write';--> statement-breakpoint
CREATE TABLE "domain_claims" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"domain" text NOT NULL,
	"token" text NOT NULL,
	"status" "domain_claim_status" DEFAULT 'pending' NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"verified_at" timestamp(3) with time zone,
	"last_checked_at" timestamp(3) with time zone,
	"missed_checks" smallint DEFAULT 0 NOT NULL,
	"next_check_at" timestamp(3) with time zone,
	CONSTRAINT "domain_claims_workspace_domain" UNIQUE("workspace_id","domain")
);
--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "watchlist_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "entry_type" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "entry_value" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_scope" ADD COLUMN "source" text DEFAULT 'operator' NOT NULL;--> statement-breakpoint
ALTER TABLE "workspace_scope" ADD CONSTRAINT "workspace_scope_source" CHECK ("source" IN ('operator', 'dns'));--> statement-breakpoint
ALTER TABLE "domain_claims" ADD CONSTRAINT "domain_claims_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "domain_claims_due" ON "domain_claims" USING btree ("next_check_at") WHERE status = 'verified';