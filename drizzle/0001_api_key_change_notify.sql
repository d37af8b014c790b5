-- Every process keeps verified keys and their workspaces in memory (src/auth/keyCache.ts).
-- These triggers tell all of them, through NOTIFY on the channel `auth_changed`, when a cached
-- fact stops being true, whoever changed it (a server process, the CLI, or an operator in psql).
-- Payloads: `key:<prefix>` and `workspace:<id>`. `last_used_at` writes do not notify.
CREATE FUNCTION notify_api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('auth_changed', 'key:' || OLD.prefix);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER api_keys_changed
  AFTER UPDATE OF revoked_at, expires_at, permissions, secret_hash, workspace_id, name ON api_keys
  FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at
     OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
     OR OLD.permissions IS DISTINCT FROM NEW.permissions
     OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash
     OR OLD.workspace_id IS DISTINCT FROM NEW.workspace_id
     OR OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION notify_api_key_changed();
--> statement-breakpoint
CREATE TRIGGER api_keys_deleted
  AFTER DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION notify_api_key_changed();
--> statement-breakpoint
CREATE FUNCTION notify_workspace_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'workspaces' THEN
    PERFORM pg_notify('auth_changed', 'workspace:' || OLD.id);
  ELSIF TG_OP = 'INSERT' THEN
    PERFORM pg_notify('auth_changed', 'workspace:' || NEW.workspace_id);
  ELSE
    PERFORM pg_notify('auth_changed', 'workspace:' || OLD.workspace_id);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER workspaces_changed
  AFTER UPDATE OR DELETE ON workspaces
  FOR EACH ROW EXECUTE FUNCTION notify_workspace_changed();
--> statement-breakpoint
CREATE TRIGGER workspace_scope_changed
  AFTER INSERT OR UPDATE OR DELETE ON workspace_scope
  FOR EACH ROW EXECUTE FUNCTION notify_workspace_changed();
