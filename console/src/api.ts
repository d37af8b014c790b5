/**
 * The console's one way to the server: its GraphQL operations, sent with the signed-in key, and
 * the API's error codes turned into sentences a person can act on.
 */
import { ClientError, GraphQLClient } from 'graphql-request';
import type { Permission } from '../../src/core/permissions.js';
import { LEAK_PLANS, leakAccess, type BillingStatus, type Plan } from '../../src/core/plans.js';
import { graphqlEnumName } from '../../src/core/vocabulary.js';

const STORAGE_KEY = 'ti-console-api-key';

/** The key lives in this tab's session storage only: closing the tab or signing out forgets it. */
export const session = {
  get: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  set: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  clear: () => sessionStorage.removeItem(STORAGE_KEY),
};

export class ConsoleError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

interface ApiErrorShape {
  message: string;
  /** The API's code, and for `forbidden` why (src/core/errors.ts): the console reads these, never the message's words. */
  extensions?: {
    code?: string;
    request_id?: string;
    parameter?: string;
    reason?: string;
    permission?: string;
    type?: string;
    value?: string;
  };
}

/** What to tell a person for each code of the API's vocabulary (docs/api.md §4). */
/** A watchlist entry or search outside the scope, as the person would say it. */
function outsideScope(type: string, value: string): string {
  if (type === 'domain') return `${value} is not one of your workspace's verified domains (nor under one of them).`;
  if (type === 'email')
    return `${value} is not one of your workspace's verified email addresses, nor at one of its verified domains.`;
  return `${value} does not start with one of your workspace's verified card BINs.`;
}

function sentence(error: ApiErrorShape, context: { keyLimit?: number; notFound?: string }): string {
  const code = error.extensions?.code ?? '';
  switch (code) {
    case 'missing_api_key':
    case 'invalid_api_key':
      return 'That API key is not valid. Check that you pasted all of it, starting with sk_live_.';
    case 'expired_api_key':
      return 'This API key has been revoked or has expired. Sign in with another admin key.';
    case 'forbidden': {
      const { reason, permission, type, value } = error.extensions ?? {};
      if (reason === 'outside_scope' && type && value) return outsideScope(type, value);
      if (reason === 'missing_permission' && permission)
        return `This key is not allowed to do that: it lacks the ${permission.split(',').join(' and ')} permission.`;
      return `Not allowed: ${error.message.slice(error.message.indexOf(':') + 1).trim()}`;
    }
    case 'key_limit_reached':
      return `Your plan allows ${context.keyLimit ?? 'no more'} active keys, and all of them are in use. Revoke a key you no longer need, or upgrade your plan.`;
    case 'not_found':
      return context.notFound ?? 'That no longer exists in this workspace. The list has been refreshed.';
    case 'rate_limited':
      return 'Too many requests with this key right now. Wait a minute and try again.';
    case 'unavailable':
      return 'The service is temporarily unavailable. Try again in a moment.';
    case 'invalid_parameter':
    case 'missing_parameter':
    // What the DNS lookup found at the record's name: the person needs those words.
    case 'verification_failed':
      return error.message;
    default: {
      const id = error.extensions?.request_id;
      return `Something went wrong on our side. Try again; if it keeps happening, contact support${id ? ` and quote ${id}` : ''}.`;
    }
  }
}

export class ConsoleApi {
  private readonly client: GraphQLClient;
  /** The plan's limit, once known: it makes the key-limit message exact. */
  keyLimit: number | undefined;

  constructor(private key: string) {
    this.client = new GraphQLClient(new URL('/graphql', window.location.origin).toString(), {
      headers: { authorization: `Bearer ${key}` },
    });
  }

  /** From now on, requests carry this key (after the signed-in key was rotated). */
  useKey(key: string): void {
    this.key = key;
    this.client.setHeader('authorization', `Bearer ${key}`);
  }

  /** The header for the one request that is not GraphQL: the alert stream (src/pages/alerts.ts). */
  get authorization(): string {
    return `Bearer ${this.key}`;
  }

  async request<T>(
    document: string,
    variables?: Record<string, unknown>,
    options: { notFound?: string } = {},
  ): Promise<T> {
    try {
      return await this.client.request<T>(document, variables);
    } catch (error) {
      if (error instanceof ClientError) {
        const [first] = (error.response.errors ?? []) as ApiErrorShape[];
        if (first)
          throw new ConsoleError(
            sentence(first, { keyLimit: this.keyLimit, ...options }),
            first.extensions?.code ?? 'unknown',
          );
        if (error.response.status === 429)
          throw new ConsoleError(sentence({ message: '', extensions: { code: 'rate_limited' } }, {}), 'rate_limited');
      }
      throw new ConsoleError('The server could not be reached. Check your connection and try again.', 'network');
    }
  }
}

/**
 * What the console says of each permission, in the order it offers them. The permissions are the
 * server's (src/core/permissions.ts): the compiler holds this list to every one of them.
 */
const PERMISSION_LABELS = {
  'iocs:read': { label: 'Read IOCs', readOnly: true },
  'watchlists:read': { label: 'Read watchlists', readOnly: true },
  'dataleaks:read': { label: 'Read data leaks', readOnly: true },
  'passwords:read': { label: 'Search breached passwords', readOnly: false },
  'iocs:write': { label: 'Submit IOCs', readOnly: false },
  'watchlists:write': { label: 'Change watchlists', readOnly: false },
  'webhooks:read': { label: 'See webhook endpoints and deliveries', readOnly: false },
  'webhooks:write': { label: 'Create, change and delete webhook endpoints', readOnly: false },
  'keys:read': { label: 'See API keys and the audit log', readOnly: false },
  'keys:write': { label: 'Create, rotate and revoke API keys', readOnly: false },
  'scope:write': { label: 'Claim and verify domains for the scope', readOnly: false },
} as const satisfies Record<Permission, { label: string; readOnly: boolean }>;

/** The permissions under their GraphQL names (`IOCS_READ`), as the API's enum spells them. */
export const PERMISSIONS = (
  Object.entries(PERMISSION_LABELS) as [Permission, { label: string; readOnly: boolean }][]
).map(([permission, described]) => ({
  name: graphqlEnumName(permission),
  ...described,
}));

/** Whether the workspace may search leaks, and if not why: the server's own rule (src/core/plans.ts). */
export function workspaceLeakAccess(workspace: Overview['viewer']['workspace']) {
  return leakAccess({
    plan: workspace.plan.toLowerCase() as Plan,
    billingStatus: workspace.billingStatus.toLowerCase() as BillingStatus,
  });
}
export { LEAK_PLANS };

export interface ApiKey {
  id: string;
  prefix: string;
  name: string;
  permissions: string[];
  status: 'ACTIVE' | 'ROTATING' | 'EXPIRED' | 'REVOKED';
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  rotationDue: boolean;
}

export interface Overview {
  viewer: {
    key: { id: string; name: string; permissions: string[] };
    workspace: {
      name: string;
      plan: Uppercase<Plan>;
      billingStatus: Uppercase<BillingStatus>;
      keyLimit: number;
      activeKeys: number;
      scope: { domains: string[]; emails: string[]; bins: string[] };
    };
  };
}

export const OVERVIEW = `query ConsoleOverview {
  viewer { key { id name permissions } workspace { name plan billingStatus keyLimit activeKeys scope { domains emails bins } } }
}`;

const KEY_FIELDS = 'id prefix name permissions status createdAt expiresAt lastUsedAt rotationDue';

export const KEYS = `query ConsoleKeys { apiKeys { ${KEY_FIELDS} } }`;
export const AUDIT = `query ConsoleAudit { auditEvents(first: 50) { edges { node { id action actor actorKeyPrefix targetKeyPrefix requestId createdAt } } } }`;
export const CREATE = `mutation ConsoleCreateKey($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${KEY_FIELDS} } } }`;
export const ROTATE = `mutation ConsoleRotateKey($id: ID!, $grace: Int!) { rotateApiKey(id: $id, gracePeriodSeconds: $grace) { secret apiKey { ${KEY_FIELDS} } } }`;
export const REVOKE = `mutation ConsoleRevokeKey($id: ID!) { revokeApiKey(id: $id) { ${KEY_FIELDS} } }`;

export interface AuditEvent {
  id: string;
  action: string;
  actor: 'key' | 'command line' | 'server setup';
  actorKeyPrefix: string | null;
  targetKeyPrefix: string | null;
  requestId: string | null;
  createdAt: string;
}

// ---------------------------------------------------------------------------------------------
// Dashboard

export interface Summary {
  alertSummary?: { newByKind: { kind: AlertKind; count: number }[]; daily: { day: string; count: number }[] };
  iocSummary?: { shared: IocTypeCount[]; own: IocTypeCount[] };
}
export const ALERT_SUMMARY =
  'query ConsoleAlertSummary { alertSummary(days: 30) { newByKind { kind count } daily { day count } } }';
export interface IocTypeCount {
  type: string;
  count: number;
  active: number;
  expired: number;
  revoked: number;
}
export const IOC_SUMMARY =
  'query ConsoleIocSummary { iocSummary { shared { type count active expired revoked } own { type count active expired revoked } } }';

// ---------------------------------------------------------------------------------------------
// Watchlists

export type EntryType = 'DOMAIN' | 'EMAIL' | 'BIN' | 'KEYWORD';
export interface WatchlistEntry {
  id: string;
  type: EntryType;
  value: string;
  createdAt: string;
}
export interface Watchlist {
  id: string;
  name: string;
  description: string | null;
  entries: WatchlistEntry[];
  createdAt: string;
  updatedAt: string;
}
const WATCHLIST_FIELDS = 'id name description entries { id type value createdAt } createdAt updatedAt';
export const WATCHLISTS = `query ConsoleWatchlists($after: String) { watchlists(first: 25, after: $after) { edges { node { ${WATCHLIST_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
export const CREATE_WATCHLIST = `mutation ConsoleCreateWatchlist($input: CreateWatchlistInput!) { createWatchlist(input: $input) { ${WATCHLIST_FIELDS} } }`;
export const RENAME_WATCHLIST = `mutation ConsoleRenameWatchlist($id: ID!, $input: UpdateWatchlistInput!) { updateWatchlist(id: $id, input: $input) { ${WATCHLIST_FIELDS} } }`;
export const DELETE_WATCHLIST = 'mutation ConsoleDeleteWatchlist($id: ID!) { deleteWatchlist(id: $id) }';
export const ADD_ENTRIES = `mutation ConsoleAddEntries($id: ID!, $entries: [WatchlistEntryInput!]!) { addWatchlistEntries(watchlistId: $id, entries: $entries) { ${WATCHLIST_FIELDS} } }`;
export const REMOVE_ENTRY = `mutation ConsoleRemoveEntry($id: ID!, $entryId: ID!) { removeWatchlistEntry(watchlistId: $id, entryId: $entryId) { ${WATCHLIST_FIELDS} } }`;

// ---------------------------------------------------------------------------------------------
// Alerts

export type AlertKind = 'CREDENTIAL_LEAK' | 'CARD_LEAK' | 'IOC' | 'SCOPE';
export type AlertStatus = 'NEW' | 'ACKNOWLEDGED' | 'RESOLVED';
export type AlertRecord =
  | {
      __typename: 'CredentialLeak';
      id: string;
      email: string | null;
      domain: string | null;
      username: string | null;
      site: string | null;
      passwordMasked: string | null;
      sourceName: string;
      leakedAt: string | null;
    }
  | {
      __typename: 'CardLeak';
      id: string;
      bin: string;
      last4: string;
      expiry: string | null;
      brand: string | null;
      sourceName: string;
      leakedAt: string | null;
    }
  | {
      __typename: 'Ioc';
      id: string;
      type: string;
      value: string;
      threatType: string | null;
      confidence: number;
      severity: string;
      source: string | null;
    }
  | { __typename: 'ScopeChange'; domain: string; scopeStatus: ScopeDomainStatus };
export interface Alert {
  id: string;
  /** Null for a change to the scope: no watchlist raised it. */
  watchlistId: string | null;
  entry: { id: string | null; type: EntryType; value: string } | null;
  kind: AlertKind;
  status: AlertStatus;
  record: AlertRecord | null;
  createdAt: string;
}
const ALERT_FIELDS = `id watchlistId entry { id type value } kind status createdAt record {
  __typename
  ... on CredentialLeak { id email domain username site passwordMasked sourceName leakedAt }
  ... on CardLeak { id bin last4 expiry brand sourceName leakedAt }
  ... on Ioc { id type value threatType confidence severity source }
  ... on ScopeChange { domain scopeStatus }
}`;
export const ALERTS = `query ConsoleAlerts($status: AlertStatus, $kind: AlertKind, $watchlistId: ID, $after: String) {
  alerts(status: $status, kind: $kind, watchlistId: $watchlistId, first: 25, after: $after) { edges { node { ${ALERT_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;
export const ALERT = `query ConsoleAlert($id: ID!) { alert(id: $id) { ${ALERT_FIELDS} } }`;
export const UPDATE_ALERTS = `mutation ConsoleUpdateAlerts($ids: [ID!]!, $status: AlertStatus!) { updateAlerts(ids: $ids, status: $status) { ${ALERT_FIELDS} } }`;
export const WATCHLIST_NAMES = 'query ConsoleWatchlistNames { watchlists(first: 1000) { edges { node { id name } } } }';

// ---------------------------------------------------------------------------------------------
// Webhooks

export interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  createdAt: string;
}
export interface Delivery {
  id: string;
  alertId: string;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attemptCount: number;
  nextAttemptAt: string | null;
  attempts: { at: string; status: number | null; error: string | null; durationMs: number }[];
  createdAt: string;
}
const ENDPOINT_FIELDS = 'id url description enabled disabledReason previousSecretExpiresAt createdAt';
const DELIVERY_FIELDS =
  'id alertId status attemptCount nextAttemptAt attempts { at status error durationMs } createdAt';
export const ENDPOINTS = `query ConsoleEndpoints { webhookEndpoints { ${ENDPOINT_FIELDS} } }`;
export const CREATE_ENDPOINT = `mutation ConsoleCreateEndpoint($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { ${ENDPOINT_FIELDS} } secret } }`;
export const UPDATE_ENDPOINT = `mutation ConsoleUpdateEndpoint($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT_FIELDS} } }`;
export const ROTATE_ENDPOINT = `mutation ConsoleRotateEndpoint($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { ${ENDPOINT_FIELDS} } secret } }`;
export const DELETE_ENDPOINT = 'mutation ConsoleDeleteEndpoint($id: ID!) { deleteWebhookEndpoint(id: $id) }';
export const DELIVERIES = `query ConsoleDeliveries($id: ID!, $after: String) { webhookDeliveries(endpointId: $id, first: 20, after: $after) { edges { node { ${DELIVERY_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
export const RETRY_DELIVERY = `mutation ConsoleRetryDelivery($id: ID!) { retryWebhookDelivery(id: $id) { ${DELIVERY_FIELDS} } }`;

// ---------------------------------------------------------------------------------------------
// Scope: domains proven by DNS

export type ScopeDomainStatus = 'PENDING' | 'VERIFIED' | 'LAPSED' | 'OPERATOR';
export interface ScopeDomain {
  domain: string;
  status: ScopeDomainStatus;
  addedAt: string;
  verifiedAt: string | null;
  record: { type: string; name: string; value: string } | null;
}
const SCOPE_DOMAIN_FIELDS = 'domain status addedAt verifiedAt record { type name value }';
export const SCOPE = `query ConsoleScope { viewer { workspace { scope { domainEntries { ${SCOPE_DOMAIN_FIELDS} } emails bins } } } }`;
export const CLAIM_DOMAIN = `mutation ConsoleClaimDomain($domain: String!) { claimDomain(domain: $domain) { claim { ${SCOPE_DOMAIN_FIELDS} } created } }`;
export const VERIFY_DOMAIN = `mutation ConsoleVerifyDomain($domain: String!) { verifyDomain(domain: $domain) { ${SCOPE_DOMAIN_FIELDS} } }`;
export const REMOVE_DOMAIN = 'mutation ConsoleRemoveDomain($domain: String!) { removeDomain(domain: $domain) }';

// ---------------------------------------------------------------------------------------------
// Leak search and IOC lookup

export interface CredentialLeak {
  id: string;
  email: string | null;
  domain: string | null;
  username: string | null;
  site: string | null;
  passwordMasked: string | null;
  sourceName: string;
  sourceType: string;
  leakedAt: string | null;
  severity: string;
}
export interface CardLeak {
  id: string;
  bin: string;
  last4: string;
  expiry: string | null;
  brand: string | null;
  sourceName: string;
  leakedAt: string | null;
}
const CREDENTIAL_FIELDS = 'id email domain username site passwordMasked sourceName sourceType leakedAt severity';
/**
 * One page of a leak search: 25 rows for the page, 1000 for an export; `withCount` asks for the
 * total (counted by the server up to 10,000) on the first page only.
 */
const leakSearch = (name: string, field: string, argument: string, fields: string) =>
  `query ${name}($value: String!, $after: String, $first: Int = 25, $withCount: Boolean = false) { dataleaks { ${field}(${argument}: $value, first: $first, after: $after) { totalCount @include(if: $withCount) totalCountExact @include(if: $withCount) edges { node { ${fields} } } pageInfo { hasNextPage endCursor } } } }`;
export const LEAK_SEARCHES = {
  domain: leakSearch('ConsoleLeaksByDomain', 'byDomain', 'domain', CREDENTIAL_FIELDS),
  email: leakSearch('ConsoleLeaksByEmail', 'byEmail', 'email', CREDENTIAL_FIELDS),
  site: leakSearch('ConsoleLeaksBySite', 'bySite', 'domain', CREDENTIAL_FIELDS),
  bin: leakSearch('ConsoleLeaksByBin', 'byBin', 'bin', 'id bin last4 expiry brand sourceName leakedAt'),
} as const;

export interface Ioc {
  id: string;
  type: string;
  value: string;
  threatType: string | null;
  malwareFamily: string | null;
  confidence: number;
  severity: string;
  tlp: string;
  tags: string[];
  source: string | null;
  shared: boolean;
  lastSeen: string;
  status: 'ACTIVE' | 'EXPIRED' | 'REVOKED';
}
export const LOOKUP =
  'query ConsoleLookup($values: [String!]!) { iocLookup(values: $values) { id type value threatType malwareFamily confidence severity tlp tags source shared lastSeen status } }';

export interface Page<T> {
  edges: { node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** On searches that were asked for it: exact up to the server's cap, else the cap with `totalCountExact` false. */
  totalCount?: number;
  totalCountExact?: boolean;
}

/** One IOC as its page shows it: validity, score, and the workspace's own view (docs: "How IOCs age"). */
export interface IocDetail extends Ioc {
  firstSeen: string;
  validFrom: string;
  validUntil: string | null;
  status: 'ACTIVE' | 'EXPIRED' | 'REVOKED';
  score: number;
  sightings: { count: number; lastSeen: string | null };
  falsePositive: boolean;
  falsePositiveReports: number;
  excludedBy: string | null;
}
export const IOC = `query ConsoleIoc($id: ID!) { ioc(id: $id) { id type value threatType malwareFamily confidence severity tlp tags source shared firstSeen lastSeen validFrom validUntil status score sightings { count lastSeen } falsePositive falsePositiveReports excludedBy } }`;
export interface SightingReport {
  recorded: number;
  unknown: { index: number; value: string }[];
  rejected: { index: number; reason: string }[];
}
export const REPORT_SIGHTINGS =
  'mutation ConsoleReportSightings($sightings: [SightingInput!]!) { reportSightings(sightings: $sightings) { recorded unknown { index value } rejected { index reason } } }';

export interface ExclusionList {
  id: string;
  name: string;
  shared: boolean;
  entryCount: number;
  updatedAt: string;
  entries?: string[] | null;
}
const EXCLUSION_FIELDS = 'id name shared entryCount updatedAt';
export const EXCLUSION_LISTS = `query ConsoleExclusionLists { exclusionLists { ${EXCLUSION_FIELDS} } }`;
export const EXCLUSION_LIST = `query ConsoleExclusionList($id: ID!) { exclusionList(id: $id) { ${EXCLUSION_FIELDS} entries } }`;
export const CREATE_EXCLUSION_LIST = `mutation ConsoleCreateExclusionList($name: String!, $entries: [String!]) { createExclusionList(name: $name, entries: $entries) { ${EXCLUSION_FIELDS} entries } }`;
export const UPDATE_EXCLUSION_LIST = `mutation ConsoleUpdateExclusionList($id: ID!, $add: [String!], $remove: [String!]) { updateExclusionList(id: $id, add: $add, remove: $remove) { ${EXCLUSION_FIELDS} entries } }`;
export const DELETE_EXCLUSION_LIST = 'mutation ConsoleDeleteExclusionList($id: ID!) { deleteExclusionList(id: $id) }';

export interface FeedRun {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}
export interface Feed {
  id: string;
  name: string;
  url: string;
  format: string;
  every: string;
  headerNames: string[];
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: string | null;
  lastRun: FeedRun | null;
  nextRunAt: string;
}
const FEED_FIELDS =
  'id name url format every headerNames lastRunAt lastSuccessAt lastError lastRun { read created updated unchanged rejected } nextRunAt';
export const FEEDS = `query ConsoleFeeds { feeds { ${FEED_FIELDS} } }`;
export const CREATE_FEED = `mutation ConsoleCreateFeed($name: String!, $url: String!, $format: FeedFormat!, $every: String, $headers: [FeedHeaderInput!]) { createFeed(name: $name, url: $url, format: $format, every: $every, headers: $headers) { ${FEED_FIELDS} } }`;
export const RUN_FEED = `mutation ConsoleRunFeed($id: ID!) { runFeed(id: $id) { ${FEED_FIELDS} } }`;
export const DELETE_FEED = 'mutation ConsoleDeleteFeed($id: ID!) { deleteFeed(id: $id) }';
