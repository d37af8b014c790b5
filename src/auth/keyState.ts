/**
 * Whether a key may be used (docs/api.md §2), written once: revoked keys and keys past their expiry are
 * refused; a rotated key works until its grace period ends (its expiry, moved forward by the
 * rotation); a key counts toward its plan's limit while it is usable and not rotated away. The
 * same rule in SQL (for queries) and in TypeScript (for a row already read).
 */
import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { apiKeys } from '../db/schema.js';

export const KEY_STATUSES = ['active', 'rotating', 'expired', 'revoked'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

type KeyTimes = {
  readonly revokedAt: string | null;
  readonly expiresAt: string | null;
  readonly rotatedAt?: string | null;
};

/** A key's state now. */
export function keyStatus(key: KeyTimes, nowMs = Date.now()): KeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= nowMs) return 'expired';
  return key.rotatedAt ? 'rotating' : 'active';
}

export const isUsable = (key: KeyTimes, nowMs = Date.now()) => {
  const status = keyStatus(key, nowMs);
  return status === 'active' || status === 'rotating';
};

/** The same rule as an SQL condition on `api_keys`. */
export const usableKeySql = () =>
  and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)));

/** Keys that count toward the plan's limit: usable, and not rotated away. */
export const countedKeySql = () => and(usableKeySql(), isNull(apiKeys.rotatedAt));

/** Whether a key may still be used, read now (for requests and streams that outlive their check). */
export async function isKeyUsable(db: Db, id: string): Promise<boolean> {
  const [row] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), usableKeySql()));
  return row !== undefined;
}
