/**
 * Key management (docs/api.md §2): create, rotate and revoke, within the plan's limit, never granting
 * more than the caller holds, with an audit event for every change. Used by the GraphQL mutations
 * and the admin command line alike.
 */
import { hash as argon2Hash } from '@node-rs/argon2';
import { and, count, eq, gt, isNull, sql, type SQL } from 'drizzle-orm';
import { generateApiKey } from '../auth/keyFormat.js';
import { countedKeySql, keyStatus } from '../auth/keyState.js';
import { isPermission, PERMISSIONS, type Permission } from '../core/permissions.js';
import type { Db } from '../db/handle.js';
import { apiKeys, workspaces } from '../db/schema.js';
import { ApiError, forbidden, invalidParameter, missingParameter } from '../core/errors.js';
import { isoTimestamp } from '../db/time.js';
import { normalizeText } from '../core/normalize.js';
import { PLAN_LIMITS } from '../core/plans.js';
import { requireUuid } from '../core/ids.js';
import { recordAuditEvent, type Actor } from './audit.js';
import { countKeys, findApiKey, type ApiKeyShape } from './repository.js';

const MAX_EXPIRY_DAYS = 3650;
/** A rotated key lives on for at most 30 days (docs/api.md §2). */
export const MAX_GRACE_SECONDS = 30 * 24 * 3600;

export interface CreateApiKeyInput {
  workspaceId: string;
  name: string;
  permissions: readonly string[];
  expiresInDays?: number | null | undefined;
  grantor: Grantor;
  actor: Actor;
}

/**
 * The key that asks for a new key (docs/api.md §2): the new key may hold only its permissions and
 * never outlive it. Null for the admin command line, which may grant anything.
 */
export type Grantor = { permissions: readonly Permission[]; expiresAt: string | null } | null;

export interface CreatedApiKey {
  apiKey: ApiKeyShape;
  /** The whole key: returned by this call only, stored nowhere. */
  secret: string;
}

export function checkPermissions(permissions: readonly string[], grantor: Grantor): Permission[] {
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) {
    throw invalidParameter(
      'permissions',
      `unknown permission ${unknown.join(', ')}; known: ${PERMISSIONS.join(', ')}.`,
    );
  }
  if (permissions.length === 0) throw invalidParameter('permissions', 'a key needs at least one permission.');
  const granted = [...new Set(permissions as Permission[])];
  const beyond = grantor ? granted.filter((p) => !grantor.permissions.includes(p)) : [];
  if (beyond.length > 0)
    throw forbidden(`a key cannot grant permissions it does not hold: ${beyond.join(', ')}.`, {
      reason: 'missing_permission',
      permission: beyond.join(','),
    });
  return granted;
}

function checkName(name: string): string {
  if (!name.trim()) throw missingParameter('name');
  const clean = normalizeText(name, 100);
  if (clean === null) throw invalidParameter('name', 'must be 1 to 100 characters of text.');
  return clean;
}

function checkExpiry(days: number | null | undefined): number | null {
  if (days === undefined || days === null) return null;
  if (!Number.isInteger(days) || days < 1 || days > MAX_EXPIRY_DAYS) {
    throw invalidParameter('expiresInDays', `must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}.`);
  }
  return days;
}

/**
 * An expiry no later than the grantor's own: a key that expires tomorrow makes keys that expire
 * tomorrow at the latest (docs/api.md §2). The shorter expiry is kept silently; the answer shows it.
 */
function notAfterGrantor(expiresAt: SQL | string | null, grantor: Grantor): SQL | string | null {
  if (!grantor?.expiresAt) return expiresAt;
  return expiresAt === null
    ? grantor.expiresAt
    : sql`least((${expiresAt})::timestamptz, (${grantor.expiresAt})::timestamptz)`;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Inserts a key once the plan allows it. Locking the workspace row serialises concurrent
 * creations, so the count stays true until the insert commits: twenty parallel calls one below
 * the limit create exactly one key.
 */
async function insertWithinLimit(
  tx: Tx,
  workspaceId: string,
  values: {
    prefix: string;
    secretHash: string;
    name: string;
    permissions: Permission[];
    expiresAt: string | SQL | null;
    rotatedFromId?: string;
  },
): Promise<ApiKeyShape> {
  const [workspace] = await tx
    .select({ plan: workspaces.plan })
    .from(workspaces)
    .where(eq(workspaces.id, workspaceId))
    .for('update');
  if (!workspace) throw new ApiError('not_found', 'No workspace has this id.');
  const [active] = await tx
    .select({ n: count() })
    .from(apiKeys)
    .where(and(eq(apiKeys.workspaceId, workspaceId), countedKeySql()));
  const limit = PLAN_LIMITS[workspace.plan].activeKeys;
  if ((active?.n ?? 0) >= limit) {
    throw new ApiError(
      'key_limit_reached',
      `The ${workspace.plan} plan allows ${limit} active API keys; revoke one or upgrade the plan.`,
    );
  }
  const [row] = await tx
    .insert(apiKeys)
    .values({ ...values, workspaceId })
    .returning();
  const { secretHash: _hash, ...shown } = row!;
  return shown;
}

export async function createApiKey(db: Db, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  const workspaceId = requireUuid(input.workspaceId, 'workspace');
  const name = checkName(input.name);
  const permissions = checkPermissions(input.permissions, input.grantor);
  const expiresInDays = checkExpiry(input.expiresInDays);
  const requested = expiresInDays === null ? null : sql`now() + make_interval(days => ${expiresInDays})`;
  const { key, prefix } = generateApiKey();
  // Hashed before the transaction: the workspace row stays locked for milliseconds, not for argon2.
  const secretHash = await argon2Hash(key);

  const apiKey = await db.transaction(async (tx) => {
    const created = await insertWithinLimit(tx, workspaceId, {
      prefix,
      secretHash,
      name,
      permissions,
      expiresAt: notAfterGrantor(requested, input.grantor),
    });
    await recordAuditEvent(tx, {
      workspaceId,
      actor: input.actor,
      action: 'api_key.created',
      target: created,
      details: { name, permissions, expires_in_days: expiresInDays },
    });
    return created;
  });
  return { apiKey, secret: key };
}

/**
 * Replaces a key by a new one with the same name, permissions and workspace. The old key stays
 * valid for the grace period (never past its own expiry); with 0 it is refused at once, on every
 * process (the expiry change notifies them). It no longer counts toward the plan limit, so
 * rotation works at the limit.
 */
export async function rotateApiKey(
  db: Db,
  input: { id: string; workspaceId: string; gracePeriodSeconds: number; grantor: Grantor; actor: Actor },
): Promise<CreatedApiKey> {
  const id = requireUuid(input.id, 'id');
  const grace = input.gracePeriodSeconds;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_SECONDS) {
    throw invalidParameter('gracePeriodSeconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_SECONDS}.`);
  }
  const { key, prefix } = generateApiKey();
  const secretHash = await argon2Hash(key);

  const apiKey = await db.transaction(async (tx) => {
    const [old] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.workspaceId, input.workspaceId)))
      .for('update');
    if (!old) throw new ApiError('not_found', 'No API key has this id.');
    const status = keyStatus(old);
    if (status === 'revoked') throw invalidParameter('id', 'the key is revoked and cannot be rotated.');
    if (status === 'expired') throw invalidParameter('id', 'the key has expired and cannot be rotated.');
    if (status === 'rotating') throw invalidParameter('id', 'the key was already rotated; rotate its successor.');
    // The successor holds every permission of the old key: a caller may rotate only keys it could create.
    checkPermissions(old.permissions, input.grantor);
    // A chain of rotations would let a workspace hold ever more working keys (docs/api.md §2).
    const predecessor = old.rotatedFromId ? await graceOf(tx, old.rotatedFromId) : null;
    if (predecessor) {
      throw invalidParameter(
        'id',
        `the key's predecessor is in its grace period until ${predecessor}; rotate this key after that, or revoke the predecessor first.`,
      );
    }

    await tx
      .update(apiKeys)
      .set({
        rotatedAt: sql`now()`,
        expiresAt: sql`least(${apiKeys.expiresAt}, now() + make_interval(secs => ${grace}))`,
      })
      .where(eq(apiKeys.id, old.id));
    const created = await insertWithinLimit(tx, input.workspaceId, {
      prefix,
      secretHash,
      name: old.name,
      permissions: old.permissions,
      expiresAt: notAfterGrantor(old.expiresAt, input.grantor),
      rotatedFromId: old.id,
    });
    await recordAuditEvent(tx, {
      workspaceId: input.workspaceId,
      actor: input.actor,
      action: 'api_key.rotated',
      target: old,
      details: { new_key_id: created.id, new_key_prefix: created.prefix, grace_period_seconds: grace },
    });
    return created;
  });
  return { apiKey, secret: key };
}

/** When a rotated-away key's grace period ends, if it has not yet (ISO text), else null. */
async function graceOf(tx: Tx, id: string): Promise<string | null> {
  const [row] = await tx
    .select({ expiresAt: apiKeys.expiresAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt), gt(apiKeys.expiresAt, sql`now()`)));
  return row?.expiresAt ? isoTimestamp(row.expiresAt) : null;
}

/**
 * Revokes a key at once, on every process (the database notifies them). Revoking a revoked key
 * changes nothing and returns it as it is; nothing un-revokes. `workspaceId` confines the call to
 * one workspace: a key of another workspace is `not_found`, exactly like a key that does not exist.
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

export function countActiveKeys(db: Db, workspaceId: string): Promise<number> {
  return countKeys(db, workspaceId, countedKeySql());
}
