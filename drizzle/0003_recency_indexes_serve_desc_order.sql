DROP INDEX "audit_events_workspace_recent";--> statement-breakpoint
DROP INDEX "iocs_type_recent";--> statement-breakpoint
DROP INDEX "iocs_recent";--> statement-breakpoint
CREATE INDEX "audit_events_workspace_recent" ON "audit_events" USING btree ("workspace_id","created_at","id");--> statement-breakpoint
CREATE INDEX "iocs_type_recent" ON "iocs" USING btree ("type","updated_at","id");--> statement-breakpoint
CREATE INDEX "iocs_recent" ON "iocs" USING btree ("updated_at","id");