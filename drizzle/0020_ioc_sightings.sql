CREATE TABLE "ioc_sightings" (
	"workspace_id" uuid NOT NULL,
	"ioc_id" uuid NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	"last_seen" timestamp(3) with time zone,
	"source" text,
	"false_positive" boolean DEFAULT false NOT NULL,
	"reason" text,
	"judged_at" timestamp(3) with time zone,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ioc_sightings_workspace_id_ioc_id_pk" PRIMARY KEY("workspace_id","ioc_id")
);
--> statement-breakpoint
ALTER TABLE "ioc_sightings" ADD CONSTRAINT "ioc_sightings_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ioc_sightings" ADD CONSTRAINT "ioc_sightings_ioc_id_iocs_id_fk" FOREIGN KEY ("ioc_id") REFERENCES "public"."iocs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ioc_sightings_false_positives" ON "ioc_sightings" USING btree ("ioc_id") WHERE false_positive;