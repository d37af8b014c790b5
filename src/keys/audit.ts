import type { Db } from '../db/handle.js';
import { auditEvents } from '../db/schema.js';

export type AuditAction = 'api_key.created' | 'api_key.rotated' | 'api_key.revoked';

/** Who acted: a key (its prefix), or, with no key, the admin command line or the server's first start. */
export interface Actor {
  keyPrefix: string | null;
  requestId: string | null;
  /** How an action without a key was made (kept in the event's details). */
  via?: 'command line' | 'server setup';
}

export const CLI_ACTOR: Actor = { keyPrefix: null, requestId: null, via: 'command line' };
/** The demo workspace's key, made by the server on its first start. */
export const SERVER_SETUP_ACTOR: Actor = { keyPrefix: null, requestId: null, via: 'server setup' };

export async function recordAuditEvent(
  db: Pick<Db, 'insert'>,
  event: {
    workspaceId: string;
    actor: Actor;
    action: AuditAction;
    target: { id: string; prefix: string };
    details?: Record<string, unknown>;
  },
): Promise<void> {
  await db.insert(auditEvents).values({
    workspaceId: event.workspaceId,
    actorKeyPrefix: event.actor.keyPrefix,
    action: event.action,
    targetKeyId: event.target.id,
    targetKeyPrefix: event.target.prefix,
    requestId: event.actor.requestId,
    details: event.actor.via ? { ...event.details, via: event.actor.via } : (event.details ?? null),
  });
}
