ALTER TABLE "iocs" DROP CONSTRAINT "iocs_identity";--> statement-breakpoint
DROP INDEX "iocs_value";--> statement-breakpoint
ALTER TABLE "iocs" ADD CONSTRAINT "iocs_identity" UNIQUE NULLS NOT DISTINCT("value","type","workspace_id");