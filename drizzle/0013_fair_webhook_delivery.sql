CREATE INDEX "webhook_deliveries_endpoint_pending" ON "webhook_deliveries" USING btree ("endpoint_id","next_attempt_at","id") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_leased" ON "webhook_deliveries" USING btree ("locked_until") WHERE status = 'pending' AND locked_until IS NOT NULL;--> statement-breakpoint
-- An endpoint's backlog is bounded (API.md §12): one whose 10,000 deliveries still wait is paused,
-- with the reason, before anything more is queued for it, and the workspace's audit log says so
-- (`webhook.paused`). Nothing is dropped: its deliveries wait and go out once it is enabled again,
-- and every alert stays readable through the API.
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
    SELECT gen_random_uuid(), workspace_id, 'webhook.paused', jsonb_build_object('endpoint_id', id, 'url', url, 'waiting', 10000, 'via', 'server') FROM paused;
  INSERT INTO webhook_deliveries (id, endpoint_id, workspace_id, alert_id)
    SELECT gen_random_uuid(), e.id, e.workspace_id, a.id
    FROM new_alerts a JOIN webhook_endpoints e ON e.workspace_id = a.workspace_id AND e.enabled;
  IF FOUND THEN
    PERFORM pg_notify('webhook_delivery', '');
  END IF;
  RETURN NULL;
END $$;
