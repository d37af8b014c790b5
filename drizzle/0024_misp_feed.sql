-- The MISP feed's events (src/feeds/mispFeed.ts): one per owner, source and UTC day of first_seen,
-- its UUID name-based (v5) so that it is the same at every fetch. The code computes the same name;
-- declared immutable for the index: the day is written with a fixed pattern in UTC, whatever the
-- session's settings.
CREATE FUNCTION misp_event_uuid(workspace_id uuid, source text, first_seen timestamptz) RETURNS uuid
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN uuid_generate_v5('9b2c4d6e-1f3a-5b5c-8d7e-0f1a2b3c4d5e'::uuid,
    coalesce(workspace_id::text, 'shared') || '/' || coalesce(source, '') || '/' || to_char(first_seen at time zone 'UTC', 'YYYY-MM-DD'));--> statement-breakpoint
CREATE INDEX "iocs_misp_event" ON "iocs" USING btree (misp_event_uuid("workspace_id", "source", "first_seen"));
