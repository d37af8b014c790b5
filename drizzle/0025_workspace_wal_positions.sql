CREATE TABLE "workspace_wal_positions" (
	"workspace_id" uuid PRIMARY KEY NOT NULL,
	"lsn" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workspace_wal_positions" ADD CONSTRAINT "workspace_wal_positions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;