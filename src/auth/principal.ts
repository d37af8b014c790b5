import type { Permission } from '../core/permissions.js';
import type { BillingStatus, Plan } from '../core/plans.js';

/** Who is calling: the verified key, its workspace and the workspace's scope. Read-only. */
export interface Principal {
  readonly key: {
    readonly id: string;
    readonly prefix: string;
    readonly name: string;
    readonly permissions: readonly Permission[];
    readonly createdAt: string;
    readonly expiresAt: string | null;
  };
  readonly workspace: {
    readonly id: string;
    readonly name: string;
    readonly plan: Plan;
    readonly billingStatus: BillingStatus;
  };
  readonly scope: WorkspaceScope;
}

/** The assets a workspace owns, normalised (docs/api.md §5). */
export interface WorkspaceScope {
  readonly domains: readonly string[];
  readonly emails: readonly string[];
  readonly bins: readonly string[];
}
