/** Creating and changing workspaces and their scope (the admin command line uses these). */
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/handle.js';
import { workspaces, workspaceScope, type ScopeEntry, type Workspace } from '../db/schema.js';
import { ApiError, invalidParameter, missingParameter } from '../core/errors.js';
import { requireUuid } from '../core/ids.js';
import { normalizeBin, normalizeDomain, normalizeEmail } from '../core/normalize.js';
import { isBillingStatus, isPlan, PLANS, BILLING_STATUSES } from '../core/plans.js';

export interface WorkspaceChanges {
  plan?: string | undefined;
  billingStatus?: string | undefined;
}

function checkedChanges(changes: WorkspaceChanges) {
  const { plan, billingStatus } = changes;
  if (plan !== undefined && !isPlan(plan)) throw invalidParameter('plan', `must be one of ${PLANS.join(', ')}.`);
  if (billingStatus !== undefined && !isBillingStatus(billingStatus)) {
    throw invalidParameter('billing', `must be one of ${BILLING_STATUSES.join(', ')}.`);
  }
  return { plan, billingStatus };
}

export async function createWorkspace(db: Db, input: { name: string } & WorkspaceChanges): Promise<Workspace> {
  const name = input.name.trim();
  if (!name) throw missingParameter('name');
  if (name.length > 200) throw invalidParameter('name', 'must be at most 200 characters.');
  const { plan, billingStatus } = checkedChanges(input);
  const [row] = await db
    .insert(workspaces)
    .values({ name, ...(plan && { plan }), ...(billingStatus && { billingStatus }) })
    .returning();
  return row!;
}

export async function updateWorkspace(db: Db, id: string, changes: WorkspaceChanges): Promise<Workspace> {
  const { plan, billingStatus } = checkedChanges(changes);
  const [row] = await db
    .update(workspaces)
    .set({ ...(plan && { plan }), ...(billingStatus && { billingStatus }), updatedAt: sql`now()` })
    .where(eq(workspaces.id, requireUuid(id, 'id')))
    .returning();
  if (!row) throw new ApiError('not_found', 'No workspace has this id.');
  return row;
}

/** Every workspace, oldest first (the admin command line's `workspace list`). */
export function listWorkspaces(db: Db): Promise<Workspace[]> {
  return db.select().from(workspaces).orderBy(asc(workspaces.createdAt), asc(workspaces.id));
}

export async function findWorkspace(db: Db, id: string): Promise<Workspace | undefined> {
  const [row] = await db
    .select()
    .from(workspaces)
    .where(eq(workspaces.id, requireUuid(id, 'workspace')));
  return row;
}

const SCOPE_NORMALIZERS = { domain: normalizeDomain, email: normalizeEmail, bin: normalizeBin } as const;
export type ScopeType = keyof typeof SCOPE_NORMALIZERS;

/**
 * Adds an asset to the scope, normalised, as an operator's entry; adding one already there returns
 * the existing entry (a domain the workspace proved by DNS becomes the operator's: it no longer
 * lapses with its record).
 */
export async function addScopeEntry(db: Db, workspaceId: string, type: string, value: string): Promise<ScopeEntry> {
  if (!(type in SCOPE_NORMALIZERS)) throw invalidParameter('type', 'must be domain, email or bin.');
  const scopeType = type as ScopeType;
  const normalized = SCOPE_NORMALIZERS[scopeType](value);
  if (normalized === null) throw invalidParameter('value', `is not a valid ${scopeType}.`);
  if (!(await findWorkspace(db, workspaceId))) throw new ApiError('not_found', 'No workspace has this id.');
  const [inserted] = await db
    .insert(workspaceScope)
    .values({ workspaceId, type: scopeType, value: normalized, source: 'operator' })
    .onConflictDoUpdate({
      target: [workspaceScope.workspaceId, workspaceScope.type, workspaceScope.value],
      set: { source: 'operator' },
    })
    .returning();
  return inserted!;
}
