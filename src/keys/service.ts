/**
 * Key management (API.md §2): create and revoke, with plan limits and an audit event for every
 * change. Used by the GraphQL mutations and the admin command line alike.
 */
import { hash as argon2Hash } from '@node-rs/argon2';
import { and, count, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { generateApiKey } from '../auth/keyFormat.js';
import { isPermission, PERMISSIONS, type Permission } from '../auth/permissions.js';
import type { Db } from '../db/client.js';
import { apiKeys, workspaces } from '../db/schema.js';
import { ApiError, invalidParameter, missingParameter } from '../errors.js';
import { PLAN_LIMITS } from '../workspaces/plans.js';
import { requireUuid } from '../workspaces/service.js';
import { recordAuditEvent, type Actor } from './audit.js';
import { findApiKey, type ApiKeyShape } from './types.js';

const MAX_EXPIRY_DAYS = 3650;

export interface CreateApiKeyInput {
  workspaceId: string;
  name: string;
  /** Defaults to every permission for the CLI; the GraphQL mutation passes its own default. */
  permissions: readonly string[];
  expiresInDays?: number | null | undefined;
  actor: Actor;
}

export interface CreatedApiKey {
  apiKey: ApiKeyShape;
  /** The whole key: returned by this call only, stored nowhere. */
  secret: string;
}

/** A key counts toward the plan limit while it is neither revoked, expired, nor rotated away. */
export const isActiveKey = () =>
  and(
    isNull(apiKeys.revokedAt),
    isNull(apiKeys.rotatedAt),
    or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)),
  );

export function checkPermissions(permissions: readonly string[]): Permission[] {
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    throw invalidParameter('permissions', `unknown permission ${unknown.join(', ')}; known: ${PERMISSIONS.join(', ')}.`);
  }
  if (permissions.length === 0) throw invalidParameter('permissions', 'a key needs at least one permission.');
  return [...new Set(permissions as Permission[])];
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw missingParameter('name');
  if (trimmed.length > 100) throw invalidParameter('name', 'must be at most 100 characters.');
  return trimmed;
}

function checkExpiry(days: number | null | undefined): number | null {
  if (days === undefined || days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) {
    throw invalidParameter('expiresInDays', `must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}.`);
  }
  return days;
}

export async function createApiKey(db: Db, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const workspaceId = requireUuid(input.workspaceId, 'workspace');
  const name = checkName(input.name);
  const permissions = checkPermissions(input.permissions);
  const expiresInDays = checkExpiry(input.expiresInDays);
  const { key, prefix } = generateApiKey();
  // Hashed before the transaction: the workspace row stays locked for milliseconds, not for argon2.
  const secretHash = await argon2Hash(key);

  const apiKey = await db.transaction(async (tx) => {
    // Locking the workspace row serialises concurrent creations, so the count below stays true
    // until this insert commits: twenty parallel calls one below the limit create exactly one key.
    const [workspace] = await tx
      .select({ plan: workspaces.plan })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId))
      .for('update');
    if (!workspace) throw new ApiError('not_found', 'No workspace has this id.');
    const [active] = await tx
      .select({ n: count() })
      .from(apiKeys)
      .where(and(eq(apiKeys.workspaceId, workspaceId), isActiveKey()));
    const limit = PLAN_LIMITS[workspace.plan].activeKeys;
    if ((active?.n ?? 0) >= limit) {
      throw new ApiError(
        'key_limit_reached',
        `The ${workspace.plan} plan allows ${limit} active API keys; revoke one or upgrade the plan.`,
      );
    }
    const [row] = await tx
      .insert(apiKeys)
      .values({
        workspaceId,
        prefix,
        secretHash,
        name,
        permissions,
        expiresAt: expiresInDays === null ? null : sql`now() + make_interval(days => ${expiresInDays})`,
      })
      .returning();
    await recordAuditEvent(tx, {
      workspaceId,
      actor: input.actor,
      action: 'api_key.created',
      target: { id: row!.id, prefix },
      details: { name, permissions, expires_in_days: expiresInDays },
    });
    const { secretHash: _hash, ...shown } = row!;
    return shown;
  });
  return { apiKey, secret: key };
}

/**
 * Revokes a key at once, on every process (the database notifies them). Revoking a revoked key
 * changes nothing and returns it as it is. `workspaceId` confines the call to one workspace:
 * a key of another workspace is `not_found`, exactly like a key that does not exist.
 */
export async function revokeApiKey(
  db: Db,
  input: { id: string; workspaceId?: string; actor: Actor },
): Promise<ApiKeyShape> {
  const id = requireUuid(input.id, 'id');
  const inWorkspace = input.workspaceId ? eq(apiKeys.workspaceId, input.workspaceId) : undefined;
  return db.transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), inWorkspace))
      .returning({ id: apiKeys.id, prefix: apiKeys.prefix, workspaceId: apiKeys.workspaceId });
    if (revoked) {
      await recordAuditEvent(tx, {
        workspaceId: revoked.workspaceId,
        actor: input.actor,
        action: 'api_key.revoked',
        target: revoked,
      });
    }
    const key = await findApiKey(tx, id);
    if (!key || (input.workspaceId && key.workspaceId !== input.workspaceId)) {
      throw new ApiError('not_found', 'No API key has this id.');
    }
    return key;
  });
}
