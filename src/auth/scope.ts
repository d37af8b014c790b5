import { eq } from 'drizzle-orm';
import type { WorkspaceScope } from './principal.js';
import type { Db } from '../db/handle.js';
import { workspaceScope } from '../db/schema.js';

export async function loadWorkspaceScope(db: Db, workspaceId: string): Promise<WorkspaceScope> {
  const rows = await db
    .select({ type: workspaceScope.type, value: workspaceScope.value })
    .from(workspaceScope)
    .where(eq(workspaceScope.workspaceId, workspaceId))
    .orderBy(workspaceScope.type, workspaceScope.value);
  const valuesOf = (type: string) => rows.filter((r) => r.type === type).map((r) => r.value);
  return { domains: valuesOf('domain'), emails: valuesOf('email'), bins: valuesOf('bin') };
}
