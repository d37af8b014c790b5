ALTER TYPE "public"."permission" ADD VALUE 'iocs:write' BEFORE 'watchlists:read';--> statement-breakpoint
ALTER TYPE "public"."permission" ADD VALUE 'passwords:read' BEFORE 'keys:read';--> statement-breakpoint
ALTER TYPE "public"."permission" ADD VALUE 'webhooks:read' BEFORE 'keys:read';--> statement-breakpoint
ALTER TYPE "public"."permission" ADD VALUE 'webhooks:write' BEFORE 'keys:read';--> statement-breakpoint
ALTER TABLE "credential_leaks" ALTER COLUMN "email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "credential_leaks" ALTER COLUMN "domain" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "credential_leaks" ALTER COLUMN "domain_key" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "credential_leaks" ADD COLUMN "site" text;--> statement-breakpoint
ALTER TABLE "credential_leaks" ADD COLUMN "site_key" text COLLATE "C";--> statement-breakpoint
ALTER TABLE "credential_leaks" ADD COLUMN "password_sha1" "bytea";--> statement-breakpoint
CREATE INDEX "credential_leaks_site" ON "credential_leaks" USING btree ("site_key","id");--> statement-breakpoint
-- Rows loaded before leaks had an identity (synthetic data) may repeat one: keep the first of each.
DELETE FROM "card_leaks" WHERE "id" IN (
  SELECT "id" FROM (
    SELECT "id", row_number() OVER (PARTITION BY "source_name", "bin", "last4", "expiry" ORDER BY "id") AS n FROM "card_leaks"
  ) AS numbered WHERE n > 1
);--> statement-breakpoint
DELETE FROM "credential_leaks" WHERE "id" IN (
  SELECT "id" FROM (
    SELECT "id", row_number() OVER (PARTITION BY "password_sha1", "source_name", "email", "username", "site" ORDER BY "id") AS n FROM "credential_leaks"
  ) AS numbered WHERE n > 1
);--> statement-breakpoint
ALTER TABLE "card_leaks" ADD CONSTRAINT "card_leaks_identity" UNIQUE NULLS NOT DISTINCT("source_name","bin","last4","expiry");--> statement-breakpoint
ALTER TABLE "credential_leaks" ADD CONSTRAINT "credential_leaks_identity" UNIQUE NULLS NOT DISTINCT("password_sha1","source_name","email","username","site");