CREATE TYPE "public"."feed_format" AS ENUM('stix', 'taxii', 'misp', 'csv', 'urlhaus', 'threatfox', 'text');--> statement-breakpoint
CREATE TABLE "feed_items" (
	"feed_id" uuid NOT NULL,
	"item" text NOT NULL,
	"version" text NOT NULL,
	CONSTRAINT "feed_items_feed_id_item_pk" PRIMARY KEY("feed_id","item")
);
--> statement-breakpoint
CREATE TABLE "feeds" (
	"id" uuid PRIMARY KEY DEFAULT uuidv7() NOT NULL,
	"workspace_id" uuid,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"format" "feed_format" NOT NULL,
	"trusted" boolean DEFAULT false NOT NULL,
	"every_seconds" integer NOT NULL,
	"headers" text,
	"header_names" text[] DEFAULT '{}'::text[] NOT NULL,
	"cursor" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"next_run_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp(3) with time zone,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_run_at" timestamp(3) with time zone,
	"last_success_at" timestamp(3) with time zone,
	"last_error" text,
	"last_run" jsonb,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "feeds_name" UNIQUE NULLS NOT DISTINCT("workspace_id","name")
);
--> statement-breakpoint
ALTER TABLE "feed_items" ADD CONSTRAINT "feed_items_feed_id_feeds_id_fk" FOREIGN KEY ("feed_id") REFERENCES "public"."feeds"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "feeds" ADD CONSTRAINT "feeds_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feeds_due" ON "feeds" USING btree ("next_run_at");