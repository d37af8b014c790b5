CREATE TYPE "public"."billing_status" AS ENUM('active', 'past_due', 'canceled');--> statement-breakpoint
CREATE TYPE "public"."ioc_type" AS ENUM('ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256');--> statement-breakpoint
CREATE TYPE "public"."leak_source_type" AS ENUM('breach', 'stealer_log', 'paste', 'combolist', 'forum');--> statement-breakpoint
CREATE TYPE "public"."permission" AS ENUM('iocs:read', 'watchlists:read', 'watchlists:write', 'dataleaks:read', 'keys:read', 'keys:write');--> statement-breakpoint
CREATE TYPE "public"."plan" AS ENUM('free', 'pro', 'enterprise');--> statement-breakpoint
CREATE TYPE "public"."scope_type" AS ENUM('domain', 'email', 'bin');--> statement-breakpoint
CREATE TYPE "public"."severity" AS ENUM('low', 'medium', 'high', 'critical');--> statement-breakpoint
CREATE TYPE "public"."tlp" AS ENUM('clear', 'green', 'amber', 'amber+strict', 'red');--> statement-breakpoint
CREATE TYPE "public"."watchlist_entry_type" AS ENUM('domain', 'email', 'bin', 'keyword');--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"name" text NOT NULL,
	"permissions" "permission"[] NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp(3) with time zone,
	"revoked_at" timestamp(3) with time zone,
	"last_used_at" timestamp(3) with time zone,
	"rotated_from_id" uuid,
	"rotated_at" timestamp(3) with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"actor_key_prefix" text,
	"action" text NOT NULL,
	"target_key_id" uuid,
	"target_key_prefix" text,
	"request_id" text,
	"details" jsonb,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "card_leaks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"bin" text COLLATE "C" NOT NULL,
	"last4" text NOT NULL,
	"expiry" text,
	"brand" text,
	"source_name" text NOT NULL,
	"leaked_at" timestamp(3) with time zone,
	"discovered_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "credential_leaks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text COLLATE "C" NOT NULL,
	"domain" text NOT NULL,
	"domain_key" text COLLATE "C" NOT NULL,
	"username" text,
	"password_masked" text,
	"source_name" text NOT NULL,
	"source_type" "leak_source_type" NOT NULL,
	"leaked_at" timestamp(3) with time zone,
	"discovered_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"severity" "severity" DEFAULT 'medium' NOT NULL
);
--> statement-breakpoint
CREATE TABLE "iocs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid,
	"type" "ioc_type" NOT NULL,
	"value" text COLLATE "C" NOT NULL,
	"threat_type" text,
	"malware_family" text,
	"confidence" smallint DEFAULT 50 NOT NULL,
	"severity" "severity" DEFAULT 'medium' NOT NULL,
	"tlp" "tlp" DEFAULT 'clear' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"source" text,
	"first_seen" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "iocs_identity" UNIQUE NULLS NOT DISTINCT("type","value","workspace_id")
);
--> statement-breakpoint
CREATE TABLE "watchlist_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"watchlist_id" uuid NOT NULL,
	"type" "watchlist_entry_type" NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "watchlist_entry_identity" UNIQUE("watchlist_id","type","value")
);
--> statement-breakpoint
CREATE TABLE "watchlists" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_scope" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"type" "scope_type" NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_scope_entry" UNIQUE("workspace_id","type","value")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"plan" "plan" DEFAULT 'free' NOT NULL,
	"billing_status" "billing_status" DEFAULT 'active' NOT NULL,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_rotated_from_id_api_keys_id_fk" FOREIGN KEY ("rotated_from_id") REFERENCES "public"."api_keys"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "iocs" ADD CONSTRAINT "iocs_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlist_entries" ADD CONSTRAINT "watchlist_entries_watchlist_id_watchlists_id_fk" FOREIGN KEY ("watchlist_id") REFERENCES "public"."watchlists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watchlists" ADD CONSTRAINT "watchlists_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_scope" ADD CONSTRAINT "workspace_scope_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_prefix" ON "api_keys" USING btree ("prefix");--> statement-breakpoint
CREATE INDEX "api_keys_workspace" ON "api_keys" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "audit_events_workspace_recent" ON "audit_events" USING btree ("workspace_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "card_leaks_bin" ON "card_leaks" USING btree ("bin","id");--> statement-breakpoint
CREATE INDEX "credential_leaks_domain" ON "credential_leaks" USING btree ("domain_key","id");--> statement-breakpoint
CREATE INDEX "credential_leaks_email" ON "credential_leaks" USING btree ("email","id");--> statement-breakpoint
CREATE INDEX "iocs_type_recent" ON "iocs" USING btree ("type","updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "iocs_recent" ON "iocs" USING btree ("updated_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "iocs_value" ON "iocs" USING btree ("value");--> statement-breakpoint
CREATE INDEX "iocs_workspace" ON "iocs" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "iocs_tags" ON "iocs" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "watchlists_workspace" ON "watchlists" USING btree ("workspace_id","id");