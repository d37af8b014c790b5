ALTER TABLE "alerts" ADD COLUMN "xid" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
CREATE INDEX "alerts_workspace_stream" ON "alerts" USING btree ("workspace_id","xid","id");