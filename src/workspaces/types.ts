/** The GraphQL face of workspaces: plan, billing status and scope. */
import type { Principal, WorkspaceScope } from '../auth/principal.js';
import { builder } from '../graphql/builder.js';
import { BillingStatusEnum, PlanEnum } from '../graphql/enums.js';
import { countActiveKeys } from '../keys/service.js';
import { PLAN_LIMITS, PLANS } from '../core/plans.js';

export { BillingStatusEnum, PlanEnum };

/** The scope with the workspace it belongs to, for the fields that read more than the cached lists. */
export type ScopeShape = WorkspaceScope & { workspaceId: string };

export const WorkspaceScopeRef = builder.objectRef<ScopeShape>('WorkspaceScope').implement({
  description:
    'The assets the workspace has proven it owns. A domain covers its subdomains and their email addresses; a BIN covers every longer BIN that starts with it.',
  fields: (t) => ({
    domains: t.stringList({ resolve: (scope) => [...scope.domains] }),
    emails: t.stringList({ resolve: (scope) => [...scope.emails] }),
    bins: t.stringList({ resolve: (scope) => [...scope.bins] }),
  }),
});

type WorkspaceShape = Principal['workspace'] & { scope: WorkspaceScope };

export const WorkspaceRef = builder.objectRef<WorkspaceShape>('Workspace').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    plan: t.field({ type: PlanEnum, resolve: (w) => w.plan }),
    billingStatus: t.field({ type: BillingStatusEnum, resolve: (w) => w.billingStatus }),
    scope: t.field({ type: WorkspaceScopeRef, resolve: (w) => ({ ...w.scope, workspaceId: w.id }) }),
    keyLimit: t.int({
      description: `How many active API keys the plan allows (${PLANS.map((plan) => `${plan} ${PLAN_LIMITS[plan].activeKeys}`).join(', ')}).`,
      resolve: (w) => PLAN_LIMITS[w.plan].activeKeys,
    }),
    activeKeys: t.int({
      description: 'Active API keys counted against the limit (keys in a rotation grace period do not count).',
      resolve: (w, _args, { db }) => countActiveKeys(db, w.id),
    }),
  }),
});
