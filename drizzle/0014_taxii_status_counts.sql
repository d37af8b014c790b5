ALTER TABLE "taxii_statuses" ADD COLUMN "success_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "taxii_statuses" ADD COLUMN "failure_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "taxii_statuses" SET "success_count" = jsonb_array_length("successes"), "failure_count" = jsonb_array_length("failures");
