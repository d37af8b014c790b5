import type { Db } from '../db/handle.js';
import { auditEvents } from '../db/schema.js';

export type AuditAction =
  | 'api_key.created'
  | 'api_key.rotated'
  | 'api_key.revoked'
  | 'scope.domain_verified'
  | 'scope.domain_removed'
  | 'scope.domain_lapsed';

/**
 * Who acted: a key (its prefix), or, with no key, the admin command line, the server's first start,
 * or the server's own work (the daily re-check of domains).
 */
export interface Actor {
  keyPrefix: string | null;
  requestId: string | null;
  /** How an action without a key was made (kept in the event's details). */
  via?: 'command line' | 'server setup' | 'server';
}

/** The key and request behind a GraphQL or REST call. */
export const requestActor = ({
  principal,
  requestId,
}: {
  principal: { key: { prefix: string } };
  requestId: string;
}): Actor => ({
  keyPrefix: principal.key.prefix,
  requestId,
});

export const CLI_ACTOR: Actor = { keyPrefix: null, requestId: null, via: 'command line' };
/** The demo workspace's key, made by the server on its first start. */
export const SERVER_SETUP_ACTOR: Actor = { keyPrefix: null, requestId: null, via: 'server setup' };
/** The server's own jobs. */
export const SERVER_ACTOR: Actor = { keyPrefix: null, requestId: null, via: 'server' };

/** Writes one event of the workspace's audit log; returns its id. `target` is the key acted on, if any. */
export async function recordAuditEvent(
  db: Pick<Db, 'insert'>,
  event: {
    workspaceId: string;
    actor: Actor;
    action: AuditAction;
    target?: { id: string; prefix: string };
    details?: Record<string, unknown>;
  },
): Promise<string> {
  const [row] = await db
    .insert(auditEvents)
    .values({
      workspaceId: event.workspaceId,
      actorKeyPrefix: event.actor.keyPrefix,
      action: event.action,
      targetKeyId: event.target?.id ?? null,
      targetKeyPrefix: event.target?.prefix ?? null,
      requestId: event.actor.requestId,
      details: event.actor.via ? { ...event.details, via: event.actor.via } : (event.details ?? null),
    })
    .returning({ id: auditEvents.id });
  return row!.id;
}
