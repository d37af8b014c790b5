/** What each plan allows: one table, imported by everything that enforces a plan (docs/api.md §2, §5). */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const BILLING_STATUSES = ['active', 'past_due', 'canceled'] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];

/**
 * `requestsPerMinute` is per API key, the default of `RATE_LIMIT_<PLAN>` (src/edge/config.ts): one
 * request a second lets a free key poll a feed or try the API; a pro key serves a SIEM connector
 * polling every few seconds plus lookups; an enterprise key carries bulk enrichment from a SOAR.
 */
/**
 * `watchlists` and `watchlistEntries` are per workspace (docs/api.md §12): every IOC and leak written is
 * matched against the entries, so their number is what one tenant could make everyone's writes
 * pay for. A free workspace watches a brand and a few domains; an enterprise one, a portfolio.
 */
/**
 * `feeds` per workspace and `feedRows` read by one pull of one of them (docs/api.md §14): a
 * workspace's pulls run one at a time, each stops at its plan's rows, so that one tenant's huge or
 * endless feed holds a pull slot for a bounded time and never the others'.
 */
/** `leaks`: whether the plan includes data leaks (searches, leak alerts and their webhooks). */
export const PLAN_LIMITS: Record<
  Plan,
  {
    activeKeys: number;
    requestsPerMinute: number;
    watchlists: number;
    watchlistEntries: number;
    feeds: number;
    feedRows: number;
    leaks: boolean;
  }
> = {
  free: {
    activeKeys: 3,
    requestsPerMinute: 60,
    watchlists: 5,
    watchlistEntries: 100,
    feeds: 3,
    feedRows: 100_000,
    leaks: false,
  },
  pro: {
    activeKeys: 50,
    requestsPerMinute: 600,
    watchlists: 50,
    watchlistEntries: 5_000,
    feeds: 20,
    feedRows: 1_000_000,
    leaks: false,
  },
  enterprise: {
    activeKeys: 200,
    requestsPerMinute: 3000,
    watchlists: 200,
    watchlistEntries: 50_000,
    feeds: 100,
    feedRows: 10_000_000,
    leaks: true,
  },
};

/** The plans that include data leaks. */
export const LEAK_PLANS = PLANS.filter((plan) => PLAN_LIMITS[plan].leaks);

/**
 * Whether a workspace may read leaks now: a plan that includes them, and billing in order. The
 * same rule for the searches (which say which half failed), alerts, webhooks and, as SQL, the
 * statements that raise leak alerts.
 */
export function leakAccess(workspace: {
  readonly plan: Plan;
  readonly billingStatus: BillingStatus;
}): 'granted' | 'plan' | 'billing' {
  if (!PLAN_LIMITS[workspace.plan].leaks) return 'plan';
  return workspace.billingStatus === 'active' ? 'granted' : 'billing';
}

/** `leakAccess(...) === 'granted'` as an SQL condition on a `workspaces` row named `alias`. */
export const leakAccessSql = (alias: string) =>
  `${alias}.plan in (${LEAK_PLANS.map((plan) => `'${plan}'`).join(', ')}) and ${alias}.billing_status = 'active'`;

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}

export function isBillingStatus(value: string): value is BillingStatus {
  return (BILLING_STATUSES as readonly string[]).includes(value);
}
