/**
 * Every GraphQL enumeration, each made the one way from its list in the vocabulary (src/core/vocabulary.ts,
 * src/core/permissions.ts, src/core/plans.ts): a stored value's GraphQL name is `graphqlEnumName` of it
 * (`amber+strict` is `AMBER_STRICT`, `iocs:read` is `IOCS_READ`), and the REST layer converts its
 * parameters with the same function.
 */
import { KEY_STATUSES } from '../auth/keyState.js';
import { PERMISSIONS } from '../core/permissions.js';
import { BILLING_STATUSES, PLANS } from '../core/plans.js';
import {
  ALERT_KINDS,
  ALERT_STATUSES,
  DELIVERY_STATUSES,
  DOMAIN_CLAIM_STATUSES,
  graphqlEnumName,
  IOC_STATUS_FILTERS,
  IOC_TYPES,
  LEAK_SOURCE_TYPES,
  SEVERITIES,
  TLPS,
  WATCHLIST_ENTRY_TYPES,
} from '../core/vocabulary.js';
import { builder } from './builder.js';

export function vocabularyEnum<V extends string>(
  name: string,
  values: readonly V[],
  description?: string,
  described: Partial<Record<V, string>> = {},
) {
  return builder.enumType(name, {
    ...(description ? { description } : {}),
    values: Object.fromEntries(
      values.map((value) => [
        graphqlEnumName(value),
        { value, ...(described[value] ? { description: described[value] } : {}) },
      ]),
    ),
  });
}

export const IocTypeEnum = vocabularyEnum('IocType', IOC_TYPES);
export const IocStatusEnum = vocabularyEnum(
  'IocStatus',
  IOC_STATUS_FILTERS,
  'Where an IOC stands (ANY: as a filter, every status).',
  {
    active: 'Not revoked, and its validity has not ended.',
    expired: 'Its validity has ended (it comes back when seen again).',
    revoked: 'Withdrawn by its source, its owner or an exclusion list.',
    any: 'As a filter: every status.',
  },
);
export const SeverityEnum = vocabularyEnum('Severity', SEVERITIES);
export const TlpEnum = vocabularyEnum('Tlp', TLPS, 'Traffic Light Protocol 2.0. AMBER_STRICT is `amber+strict`.');
export const LeakSourceTypeEnum = vocabularyEnum('LeakSourceType', LEAK_SOURCE_TYPES);
export const WatchlistEntryTypeEnum = vocabularyEnum('WatchlistEntryType', WATCHLIST_ENTRY_TYPES);
export const AlertKindEnum = vocabularyEnum('AlertKind', ALERT_KINDS);
export const AlertStatusEnum = vocabularyEnum('AlertStatus', ALERT_STATUSES);
export const DeliveryStatusEnum = vocabularyEnum('WebhookDeliveryStatus', DELIVERY_STATUSES);
export const PlanEnum = vocabularyEnum('Plan', PLANS);
export const ScopeDomainStatusEnum = vocabularyEnum(
  'ScopeDomainStatus',
  [...DOMAIN_CLAIM_STATUSES, 'operator'] as const,
  'Where a domain of the scope stands.',
  {
    pending: 'Claimed; its TXT record not found yet. Not in the scope.',
    verified: 'Its TXT record was found: in the scope, with every subdomain.',
    lapsed: 'Its TXT record was missing at three checks in a row: out of the scope until verified again.',
    operator: 'Added by an operator (`scope add`): in the scope; not removable through the API.',
  },
);
export const BillingStatusEnum = vocabularyEnum('BillingStatus', BILLING_STATUSES);
export const ApiKeyStatusEnum = vocabularyEnum('ApiKeyStatus', KEY_STATUSES, undefined, {
  active: 'Accepted.',
  rotating: 'Replaced by a newer key; accepted until its grace period ends.',
  expired: 'Past its expiry: refused.',
  revoked: 'Revoked: refused, for good.',
});
export const PermissionEnum = vocabularyEnum(
  'Permission',
  PERMISSIONS,
  'What a key may do (docs/api.md §2). The REST and database spelling is `iocs:read`.',
);
