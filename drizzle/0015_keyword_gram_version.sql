CREATE TABLE "keyword_gram_version" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint NOT NULL
);
--> statement-breakpoint
INSERT INTO "keyword_gram_version" ("id", "version") VALUES (1, 1);
--> statement-breakpoint
CREATE FUNCTION bump_keyword_gram_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM changed_entries WHERE keyword_gram IS NOT NULL) THEN
    UPDATE keyword_gram_version SET version = version + 1 WHERE id = 1;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER watchlist_keywords_added AFTER INSERT ON watchlist_entries REFERENCING NEW TABLE AS changed_entries
  FOR EACH STATEMENT EXECUTE FUNCTION bump_keyword_gram_version();
--> statement-breakpoint
CREATE TRIGGER watchlist_keywords_changed AFTER UPDATE ON watchlist_entries REFERENCING NEW TABLE AS changed_entries
  FOR EACH STATEMENT EXECUTE FUNCTION bump_keyword_gram_version();
