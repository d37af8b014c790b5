/**
 * The product's enumerations, each written once (docs/api.md §5–§6): the database's enum types
 * (src/db/schema.ts), the GraphQL enums, REST parameters, import and STIX all read them from here.
 */

/** IOC types, as stored and as the REST layer spells them. */
export const IOC_TYPES = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256'] as const;
export type IocType = (typeof IOC_TYPES)[number];

/** Where an IOC stands (docs/api.md §13): `any` is only a filter, every status at once. */
export const IOC_STATUSES = ['active', 'expired', 'revoked'] as const;
export type IocStatus = (typeof IOC_STATUSES)[number];
export const IOC_STATUS_FILTERS = [...IOC_STATUSES, 'any'] as const;
export type IocStatusFilter = (typeof IOC_STATUS_FILTERS)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Traffic Light Protocol 2.0 labels. */
export const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'] as const;
export type Tlp = (typeof TLPS)[number];

export const SCOPE_TYPES = ['domain', 'email', 'bin'] as const;
/** Where a domain of the scope stands (docs/api.md §15): a workspace's claim proven by DNS, or an operator's entry. */
export const DOMAIN_CLAIM_STATUSES = ['pending', 'verified', 'lapsed'] as const;
export type DomainClaimStatus = (typeof DOMAIN_CLAIM_STATUSES)[number];

export const WATCHLIST_ENTRY_TYPES = ['domain', 'email', 'bin', 'keyword'] as const;

export const LEAK_SOURCE_TYPES = ['breach', 'stealer_log', 'paste', 'combolist', 'forum'] as const;
export type LeakSourceType = (typeof LEAK_SOURCE_TYPES)[number];

/** Whether `value` is one of `values`, narrowing it. */
export function isOneOf<V extends string>(values: readonly V[], value: string): value is V {
  return (values as readonly string[]).includes(value);
}

/**
 * A stored value's name in a GraphQL enum: `amber+strict` is `AMBER_STRICT`, `ipv4` is `IPV4`,
 * `iocs:read` is `IOCS_READ`. The one conversion: every enum (src/graphql/enums.ts) and every REST
 * parameter or body field that takes one use it.
 */
export function graphqlEnumName(value: string): string {
  return value.replace(/[^A-Za-z0-9_]/g, '_').toUpperCase();
}

/** REST spelling -> GraphQL enum name, for a REST parameter or body field that takes one of `values`. */
export function graphqlEnumNames(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(values.map((value) => [value, graphqlEnumName(value)]));
}

/** What an alert is about (docs/api.md §10). */
export const ALERT_KINDS = ['credential_leak', 'card_leak', 'ioc', 'scope'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_STATUSES = ['new', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** The IOC types served as plain-text block lists (docs/api.md §14): every type but email. */
export const BLOCKLIST_TYPES = ['ipv4', 'ipv6', 'domain', 'url', 'sha256', 'md5', 'sha1'] as const;
export type BlocklistType = (typeof BLOCKLIST_TYPES)[number];

/** What a feed's URL serves (docs/api.md §14). */
export const FEED_FORMATS = ['stix', 'taxii', 'misp', 'csv', 'urlhaus', 'threatfox', 'text'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

/** Where a webhook delivery stands (docs/api.md §10). */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
