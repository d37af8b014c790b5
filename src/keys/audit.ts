import type { Db } from '../db/client.js';
import { auditEvents } from '../db/schema.js';

export type AuditAction = 'api_key.created' | 'api_key.rotated' | 'api_key.revoked';

/** Who acted: a key (its prefix), or the admin command line (no prefix). */
export interface Actor {
  keyPrefix: string | null;
  requestId: string | null;
}

export const CLI_ACTOR: Actor = { keyPrefix: null, requestId: null };

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
    details: event.details ?? null,
  });
}
