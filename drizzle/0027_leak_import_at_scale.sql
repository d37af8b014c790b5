-- Importing into millions of leaks at the rate of an empty table (docs/scaling.md): the leaks'
-- identity led by the source, so that one import writes one region of the index; and the password
-- counts an import adds gathered in small tables first, folded into the large ones sorted.
ALTER TABLE "credential_leaks" DROP CONSTRAINT "credential_leaks_identity";--> statement-breakpoint
ALTER TABLE "credential_leaks" ADD CONSTRAINT "credential_leaks_identity" UNIQUE NULLS NOT DISTINCT("source_name","password_sha1","email","username","site");--> statement-breakpoint
CREATE TABLE "password_counts_pending" (
	"sha1" "bytea" NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "password_ntlm_counts_pending" (
	"ntlm" "bytea" NOT NULL,
	"count" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "password_counts_pending_sha1" ON "password_counts_pending" USING btree ("sha1");--> statement-breakpoint
CREATE INDEX "password_ntlm_counts_pending_ntlm" ON "password_ntlm_counts_pending" USING btree ("ntlm");
