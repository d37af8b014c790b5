/** What each plan allows: one table, imported by everything that enforces a plan (API.md §2, §5). */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const BILLING_STATUSES = ['active', 'past_due', 'canceled'] as const;
export type BillingStatus = (typeof BILLING_STATUSES)[number];

export const PLAN_LIMITS: Record<Plan, { activeKeys: number }> = {
  free: { activeKeys: 3 },
  pro: { activeKeys: 50 },
  enterprise: { activeKeys: 200 },
};

export function isPlan(value: string): value is Plan {
  return (PLANS as readonly string[]).includes(value);
}

export function isBillingStatus(value: string): value is BillingStatus {
  return (BILLING_STATUSES as readonly string[]).includes(value);
}
