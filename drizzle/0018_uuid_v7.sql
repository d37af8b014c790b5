-- Ids made by the database itself (a COPY, an INSERT … SELECT, a trigger) are UUID v7 too, like
-- those the application makes: 48 bits of Unix milliseconds, then random bits, so that new rows land
-- at the end of each primary-key index instead of anywhere in it. gen_random_uuid() gives 122 random
-- bits with the version nibble 0100; the first six bytes are overwritten with the time, and bits 52
-- and 53 (bytea numbering: byte 6, counted from its least significant bit) set make the nibble 0111.
-- PostgreSQL 18 has uuidv7() built in, in pg_catalog, which is searched first: there this one
-- is never called.
CREATE OR REPLACE FUNCTION uuidv7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
        PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
        FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$$;--> statement-breakpoint
ALTER TABLE "alerts" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "card_leaks" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "credential_leaks" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "domain_claims" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "iocs" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "taxii_statuses" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "watchlist_entries" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "watchlists" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "webhook_attempts" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "workspace_scope" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
ALTER TABLE "workspaces" ALTER COLUMN "id" SET DEFAULT uuidv7();--> statement-breakpoint
-- The trigger that queues webhook deliveries (drizzle/0013), its ids now v7.
CREATE OR REPLACE FUNCTION enqueue_alert_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH paused AS (
    UPDATE webhook_endpoints e SET enabled = false, updated_at = now(),
      disabled_reason = 'paused: 10,000 deliveries were waiting for this receiver; enable the endpoint again to resume them'
    WHERE e.enabled AND e.workspace_id IN (SELECT DISTINCT workspace_id FROM new_alerts)
      AND (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries d WHERE d.endpoint_id = e.id AND d.status = 'pending' LIMIT 10000) waiting) >= 10000
    RETURNING e.id, e.workspace_id, e.url
  )
  INSERT INTO audit_events (id, workspace_id, action, details)
    SELECT uuidv7(), workspace_id, 'webhook.paused', jsonb_build_object('endpoint_id', id, 'url', url, 'waiting', 10000, 'via', 'server') FROM paused;
  INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, alert_id)
    SELECT uuidv7(), e.id, e.workspace_id, a.id
    FROM new_alerts a JOIN webhook_endpoints e ON e.workspace_id = a.workspace_id AND e.enabled;
  IF FOUND THEN
    PERFORM pg_notify('webhook_delivery', '');
  END IF;
  RETURN NULL;
END $$;
