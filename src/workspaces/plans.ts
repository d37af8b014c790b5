/** What each plan allows: one table, imported by everything that enforces a plan (API.md §2, §5). */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const BILLING_STATUSES = ['active', 'past_due', 'canceled'] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];

/**
 * `requestsPerMinute` is per API key, the default of `RATE_LIMIT_<PLAN>` (src/config.ts): one
 * request a second lets a free key poll a feed or try the API; a pro key serves a SIEM connector
 * polling every few seconds plus lookups; an enterprise key carries bulk enrichment from a SOAR.
 */
export const PLAN_LIMITS: Record<Plan, { activeKeys: number; requestsPerMinute: number }> = {
  free: { activeKeys: 3, requestsPerMinute: 60 },
  pro: { activeKeys: 50, requestsPerMinute: 600 },
  enterprise: { activeKeys: 200, requestsPerMinute: 3000 },
};

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}

export function isBillingStatus(value: string): value is BillingStatus {
  return (BILLING_STATUSES as readonly string[]).includes(value);
}
