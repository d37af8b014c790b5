-- Every statement that adds or changes IOCs wakes the change streams of every server process
-- (src/iocs/changes.ts). One notification per statement, not per row: an import of a million rows
-- sends a few hundred. The payload is empty: the streams read what changed from the table itself.
CREATE OR REPLACE FUNCTION notify_ioc_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ioc_changed', '');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER iocs_changed AFTER INSERT OR UPDATE ON iocs FOR EACH STATEMENT EXECUTE FUNCTION notify_ioc_changed();
