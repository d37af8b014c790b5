/**
 * The whole product's tables (docs/api.md §2, §5, §6). Later capabilities add columns here; the shape
 * of the tables is meant to stay.
 *
 * Timestamps are `timestamptz(3)` read in string mode: the hot path serialises them without ever
 * building `Date` objects (see docs/performance.md, "Where the time went"), and millisecond precision keeps keyset cursors exact.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  cidr,
  customType,
  date,
  index,
  integer,
  jsonb,
  primaryKey,
  pgEnum,
  pgTable,
  smallint,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { uuidv7 } from 'uuidv7';
import { PERMISSIONS } from '../core/permissions.js';
import { INDICATOR_NAMESPACE } from '../core/stixIds.js';
import {
  ALERT_KINDS,
  ALERT_STATUSES,
  DELIVERY_STATUSES,
  DOMAIN_CLAIM_STATUSES,
  FEED_FORMATS,
  IOC_TYPES,
  LEAK_SOURCE_TYPES,
  SCOPE_TYPES,
  SEVERITIES,
  TLPS,
  WATCHLIST_ENTRY_TYPES,
} from '../core/vocabulary.js';
import { BILLING_STATUSES, PLANS } from '../core/plans.js';

/** Text compared byte by byte, so that prefix ranges (`>= 'com.example.' AND < 'com.example/'`) use the index. */
const byteText = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' });

/** Raw bytes (a digest): written by COPY, read as hex through `encode()`; no API row selects it. */
const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/** A transaction id (64-bit), read and written as text. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'string' });
const createdAt = () => timestamptz('created_at').notNull().defaultNow();
const id = () =>
  uuid('id')
    .primaryKey()
    // Time-ordered (UUID v7) whoever makes the row: the application (uuidv7 here), or a statement
    // of the database's own, a COPY or a trigger (`uuidv7()`, drizzle/0018), so that the primary-key
    // index is appended to rather than written all over.
    .default(sql`uuidv7()`)
    .$defaultFn(() => uuidv7());

export const planEnum = pgEnum('plan', PLANS);
export const billingStatusEnum = pgEnum('billing_status', BILLING_STATUSES);
export const scopeTypeEnum = pgEnum('scope_type', SCOPE_TYPES);
export const permissionEnum = pgEnum('permission', PERMISSIONS);
export const iocTypeEnum = pgEnum('ioc_type', IOC_TYPES);
export const severityEnum = pgEnum('severity', SEVERITIES);
export const tlpEnum = pgEnum('tlp', TLPS);
export const watchlistEntryTypeEnum = pgEnum('watchlist_entry_type', WATCHLIST_ENTRY_TYPES);
export const leakSourceTypeEnum = pgEnum('leak_source_type', LEAK_SOURCE_TYPES);
export const alertKindEnum = pgEnum('alert_kind', ALERT_KINDS);
export const alertStatusEnum = pgEnum('alert_status', ALERT_STATUSES);
export const deliveryStatusEnum = pgEnum('delivery_status', DELIVERY_STATUSES);
export const feedFormatEnum = pgEnum('feed_format', FEED_FORMATS);
export const domainClaimStatusEnum = pgEnum('domain_claim_status', DOMAIN_CLAIM_STATUSES);

export const workspaces = pgTable('workspaces', {
  id: id(),
  name: text('name').notNull(),
  plan: planEnum('plan').notNull().default('free'),
  billingStatus: billingStatusEnum('billing_status').notNull().default('active'),
  createdAt: createdAt(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});

/** The assets a workspace has proven it owns (docs/api.md §5). Values are stored normalised. */
export const workspaceScope = pgTable(
  'workspace_scope',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    type: scopeTypeEnum('type').notNull(),
    value: text('value').notNull(),
    /** `operator` (the command line's `scope add`) or `dns` (a domain the workspace proved, kept by its claim). */
    source: text('source').notNull().default('operator'),
    createdAt: createdAt(),
  },
  (t) => [unique('workspace_scope_entry').on(t.workspaceId, t.type, t.value)],
);

/**
 * Domains a workspace claims and proves by a DNS TXT record (docs/api.md §15). A verified claim puts
 * its domain in `workspace_scope` (source `dns`); a lapsed or deleted one takes it out again.
 * Verified claims are checked again every 24 hours by whichever server process leases them first.
 */
export const domainClaims = pgTable(
  'domain_claims',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    /** Published in DNS by the workspace, so not a secret; its own per workspace and domain. */
    token: text('token').notNull(),
    status: domainClaimStatusEnum('status').notNull().default('pending'),
    createdAt: createdAt(),
    verifiedAt: timestamptz('verified_at'),
    lastCheckedAt: timestamptz('last_checked_at'),
    /** Re-checks in a row that found no record; three make the claim `lapsed`. */
    missedChecks: smallint('missed_checks').notNull().default(0),
    /** When a verified claim is due for its next check (also the lease of the process checking it). */
    nextCheckAt: timestamptz('next_check_at'),
  },
  (t) => [
    unique('domain_claims_workspace_domain').on(t.workspaceId, t.domain),
    index('domain_claims_due')
      .on(t.nextCheckAt)
      .where(sql`status = 'verified'`),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** The 12 characters after `sk_live_`: public, unique, the lookup key. */
    prefix: text('prefix').notNull(),
    /** argon2id hash (PHC string) of the whole key; the key itself is never stored. */
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    permissions: permissionEnum('permissions').array().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at'),
    revokedAt: timestamptz('revoked_at'),
    lastUsedAt: timestamptz('last_used_at'),
    rotatedFromId: uuid('rotated_from_id').references((): AnyPgColumn => apiKeys.id),
    /** Set on the old key when it is rotated: from then on it only lives out its grace period. */
    rotatedAt: timestamptz('rotated_at'),
  },
  (t) => [uniqueIndex('api_keys_prefix').on(t.prefix), index('api_keys_workspace').on(t.workspaceId)],
);

export const auditEvents = pgTable(
  'audit_events',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** The prefix of the key that acted, or null for the admin command line. */
    actorKeyPrefix: text('actor_key_prefix'),
    action: text('action').notNull(),
    targetKeyId: uuid('target_key_id'),
    targetKeyPrefix: text('target_key_prefix'),
    requestId: text('request_id'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
  },
  // Ascending, read backwards for newest first (see iocs_recent).
  (t) => [index('audit_events_workspace_recent').on(t.workspaceId, t.createdAt, t.id)],
);

/**
 * Requests counted per key and minute, shared by every server process (src/auth/rateLimiter.ts):
 * processes lease tokens from `used` in batches, so the limit holds across them.
 */
export const rateLimitWindows = pgTable(
  'rate_limit_windows',
  {
    keyId: uuid('key_id')
      .notNull()
      .references(() => apiKeys.id, { onDelete: 'cascade' }),
    windowStart: timestamptz('window_start').notNull(),
    /** Tokens handed out to processes in this window (never above the limit). */
    used: integer('used').notNull(),
    /** Tokens the latest lease received: lets one upsert say how many it granted. */
    lastGrant: integer('last_grant').notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.windowStart] }), index('rate_limit_windows_start').on(t.windowStart)],
);

/** Indicators of compromise: the shared feed (`workspace_id` null) and each workspace's own. */
export const iocs = pgTable(
  'iocs',
  {
    id: id(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    type: iocTypeEnum('type').notNull(),
    value: byteText('value').notNull(),
    threatType: text('threat_type'),
    malwareFamily: text('malware_family'),
    confidence: smallint('confidence').notNull().default(50),
    severity: severityEnum('severity').notNull().default('medium'),
    tlp: tlpEnum('tlp').notNull().default('clear'),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    source: text('source'),
    firstSeen: timestamptz('first_seen').notNull().defaultNow(),
    lastSeen: timestamptz('last_seen').notNull().defaultNow(),
    /** Until when the source says the indicator holds (null: it did not say; src/iocs/validity.ts). */
    validUntil: timestamptz('valid_until'),
    /** Withdrawn by its source, its owner or an exclusion list (docs/api.md §13). */
    revoked: boolean('revoked').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // One row per (type, value) in the feed and in each workspace: imports upsert on it. Value
    // first, so that the same index serves `q` (a value prefix, with or without a type).
    unique('iocs_identity').on(t.value, t.type, t.workspaceId).nullsNotDistinct(),
    // Listing newest first, by type or not (keyset on updated_at, id). Ascending on purpose: read
    // backwards it gives `ORDER BY updated_at DESC, id DESC` (NULLS FIRST, PostgreSQL's default for
    // DESC); an index declared `DESC NULLS LAST` would not serve that order at all.
    index('iocs_type_recent').on(t.type, t.updatedAt, t.id),
    index('iocs_recent').on(t.updatedAt, t.id),
    index('iocs_workspace').on(t.workspaceId),
    index('iocs_tags').using('gin', t.tags),
    // The STIX id of an IOC's indicator is derived from its id (src/iocs/stix.ts, a name-based
    // UUID): TAXII finds an object by that id (docs/api.md §11), so the derivation is indexed.
    index('iocs_stix_indicator').on(sql`uuid_generate_v5('${sql.raw(INDICATOR_NAMESPACE)}'::uuid, ${t.id}::text)`),
    // The MISP feed reads an event by its UUID, derived from the IOC's owner, source and UTC day of
    // first_seen (src/feeds/mispFeed.ts; the function is drizzle/0024's).
    index('iocs_misp_event').on(sql`misp_event_uuid(${t.workspaceId}, ${t.source}, ${t.firstSeen})`),
  ],
);

/**
 * A workspace's own view of an IOC (docs/api.md §13): what it saw of it in its own environment (how
 * many times and when last), its judgement that the IOC is benign there (a false positive), and the
 * first of its exclusion lists that covers it. A judgement or a covering list hides the IOC from
 * that workspace's listings, exports and watchlist alerts, and withdraws it from its TAXII view at
 * `changed_at`. One row per workspace and IOC, read by every IOC read of that workspace as one join.
 */
export const iocSightings = pgTable(
  'ioc_sightings',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    iocId: uuid('ioc_id')
      .notNull()
      .references(() => iocs.id, { onDelete: 'cascade' }),
    count: bigint('count', { mode: 'number' }).notNull().default(0),
    lastSeen: timestamptz('last_seen'),
    /** The sensor or tool its latest sighting named. */
    source: text('source'),
    falsePositive: boolean('false_positive').notNull().default(false),
    /** Why it was judged a false positive, as the workspace said. */
    reason: text('reason'),
    judgedAt: timestamptz('judged_at'),
    /**
     * The name of the first of the workspace's exclusion lists (by name) that covers the IOC, kept
     * by every change of the lists and every new IOC (src/iocs/exclusions.ts).
     */
    excludedBy: text('excluded_by'),
    /** When the workspace's view last changed (a judgement, a list): the IOC's change in its TAXII view. */
    changedAt: timestamptz('changed_at'),
    createdAt: createdAt(),
    /** When the workspace last reported about it (a sighting, a judgement): its STIX sighting's `modified`. */
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // The IOC first: every IOC read probes it by (IOC, workspace), and the other indexes are partial
    // or start with the IOC alone, so the probe is the plan whatever the statistics say (a
    // workspace-first index was taken instead while a list's 25,000 new rows were not yet counted).
    primaryKey({ columns: [t.iocId, t.workspaceId] }),
    // The workspace's view in order of change, merged with the IOCs' own changes (TAXII, streams).
    index('ioc_sightings_changes')
      .on(t.workspaceId, t.changedAt, t.iocId)
      .where(sql`changed_at is not null`),
    // The workspace's reports in order (its collection's STIX sightings). Partial, as that read is:
    // like the index above, it can then never be taken for the probe of one IOC.
    index('ioc_sightings_reports')
      .on(t.workspaceId, t.updatedAt)
      .where(sql`count > 0 or false_positive`),
    // What the workspace's lists cover, cleared where they no longer do (refresh_exclusion_coverage).
    index('ioc_sightings_excluded')
      .on(t.workspaceId)
      .where(sql`excluded_by is not null`),
    // The false-positive reports of a shared IOC, counted on every read of it.
    index('ioc_sightings_false_positives')
      .on(t.iocId)
      .where(sql`false_positive`),
  ],
);

export const exclusionKindEnum = pgEnum('exclusion_kind', ['value', 'cidr', 'suffix']);

/**
 * Exclusion lists (docs/api.md §13): a workspace's own (hiding what they cover from it), or, with no
 * workspace, the shared feed's (built in or an operator's). Names are unique per owner.
 */
export const exclusionLists = pgTable(
  'exclusion_lists',
  {
    id: id(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Shipped with the product (data/exclusions/<name>.txt), kept in step with its file. */
    builtin: boolean('builtin').notNull().default(false),
    /** A built-in list's file as last loaded (its SHA-256), so that an unchanged file costs nothing. */
    version: text('version'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [unique('exclusion_lists_name').on(t.workspaceId, t.name).nullsNotDistinct()],
);

/**
 * One entry of a list: an exact value, a CIDR range (also as `cidr`, for GiST containment) or a
 * domain suffix (stored without its dot). The owner's workspace is kept on each entry, so that a
 * read looks up only that workspace's entries of one kind through one index.
 */
export const exclusionEntries = pgTable(
  'exclusion_entries',
  {
    listId: uuid('list_id')
      .notNull()
      .references(() => exclusionLists.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    kind: exclusionKindEnum('kind').notNull(),
    value: text('value').notNull(),
    network: cidr('network'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.listId, t.kind, t.value] }),
    index('exclusion_entries_lookup').on(t.workspaceId, t.kind, t.value),
    // Which workspaces' lists cover a new IOC of the shared feed (src/iocs/repository.ts, the upsert).
    index('exclusion_entries_workspaces')
      .on(t.kind, t.value)
      .where(sql`workspace_id is not null`),
    index('exclusion_entries_network')
      .using('gist', sql`${t.network} inet_ops`)
      .where(sql`kind = 'cidr'`),
  ],
);

export const watchlists = pgTable(
  'watchlists',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('watchlists_workspace').on(t.workspaceId, t.id)],
);

export const watchlistEntries = pgTable(
  'watchlist_entries',
  {
    id: id(),
    watchlistId: uuid('watchlist_id')
      .notNull()
      .references(() => watchlists.id, { onDelete: 'cascade' }),
    type: watchlistEntryTypeEnum('type').notNull(),
    value: text('value').notNull(),
    /**
     * What incoming data is matched on (docs/api.md §10), tagged by type: `d:` and the domain key
     * (`d:example.acme.`), `e:` and the email, `b:` and the BIN, `k:` and the keyword. Made by the
     * database (drizzle/0007), so that no writer can forget it.
     */
    matchKey: byteText('match_key').generatedAlwaysAs(sql`watchlist_match_key(type, value)`),
    /**
     * For a keyword: one run of four of its characters, the one fewest other keywords were keyed
     * on when it was added (set by the database, drizzle/0012). An IOC is matched against the
     * keywords keyed on one of its own four-character runs, through this index, and only those are
     * compared whole (docs/api.md §12: matching cost independent of the other tenants' entries).
     */
    keywordGram: byteText('keyword_gram'),
    createdAt: createdAt(),
  },
  (t) => [
    unique('watchlist_entry_identity').on(t.watchlistId, t.type, t.value),
    index('watchlist_entries_match').on(t.matchKey),
    index('watchlist_entries_keyword_gram')
      .on(t.keywordGram)
      .where(sql`keyword_gram IS NOT NULL`),
  ],
);

/**
 * One alert per (watchlist entry, matched record) (docs/api.md §10). The entry's type and value are
 * kept, so that an alert still says what it matched after its entry is removed.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** Null for alerts no watchlist raised (`scope`: a verified domain lapsed). */
    watchlistId: uuid('watchlist_id').references(() => watchlists.id, { onDelete: 'cascade' }),
    entryId: uuid('entry_id').references(() => watchlistEntries.id, { onDelete: 'set null' }),
    entryType: watchlistEntryTypeEnum('entry_type'),
    entryValue: text('entry_value'),
    kind: alertKindEnum('kind').notNull(),
    /** The credential leak, card leak or IOC matched; for `scope`, the audit event that says what changed. */
    recordId: uuid('record_id').notNull(),
    status: alertStatusEnum('status').notNull().default('new'),
    /**
     * The writing transaction's id: the alert stream reads alerts in this order, and only below
     * the oldest transaction still running, so that none commits behind a stream's position.
     */
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    unique('alerts_identity').on(t.entryId, t.recordId),
    index('alerts_workspace_recent').on(t.workspaceId, t.createdAt, t.id),
    index('alerts_workspace_stream').on(t.workspaceId, t.xid, t.id),
  ],
);

/**
 * What the dashboard's summary reads (docs/api.md §12: a summary scales with what it returns, not with
 * the alerts behind it): alerts raised per workspace and UTC day, and alerts still `new` per
 * workspace and kind. Kept by statement triggers on `alerts` (drizzle/0012), one upsert per
 * statement however many alerts it writes, so that `alertSummary(days: 366)` reads at most 366 rows.
 */
export const alertDailyCounts = pgTable(
  'alert_daily_counts',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.day] })],
);

export const alertNewCounts = pgTable(
  'alert_new_counts',
  {
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    kind: alertKindEnum('kind').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.kind] })],
);

/**
 * Where each workspace's last write through the API ended in the primary's WAL (`pg_current_wal_lsn()`
 * read after it committed, as text): with read replicas, the workspace's reads go to a replica only
 * once it has replayed this far (src/db/replicas.ts), so a caller always reads its own writes.
 */
export const workspaceWalPositions = pgTable('workspace_wal_positions', {
  workspaceId: uuid('workspace_id')
    .primaryKey()
    .references(() => workspaces.id, { onDelete: 'cascade' }),
  lsn: text('lsn').notNull(),
});

/**
 * One row: a number that moves whenever a keyword entry is added (drizzle/0015). Each process
 * keeps the set of the four-character runs keywords are keyed on (src/watchlists/keywordGrams.ts)
 * with the number it read; an upsert sends both, and falls back to computing every run in SQL
 * when the number has moved since, so a stale set can cost time, never a missed alert.
 */
export const keywordGramVersion = pgTable('keyword_gram_version', {
  id: smallint('id').primaryKey().default(1),
  version: bigint('version', { mode: 'number' }).notNull(),
});

/**
 * Leaked credentials. `domain_key` is the domain with its labels reversed and a trailing dot
 * (`mail.example.com` -> `com.example.mail.`), so "example.com and its subdomains" is the byte
 * range [`com.example.`, `com.example/`) of one index.
 */
export const credentialLeaks = pgTable(
  'credential_leaks',
  {
    id: id(),
    /** The login when it is an email address (with its domain), else null. */
    email: byteText('email'),
    domain: text('domain'),
    domainKey: byteText('domain_key'),
    /** The email's local part, or the login itself when it is no email. */
    username: text('username'),
    /** The host where the credential was used (from the URL of a ULP line or a stealer log). */
    site: text('site'),
    siteKey: byteText('site_key'),
    passwordMasked: text('password_masked'),
    /** SHA-1 of the password's UTF-8 bytes, for the range search (docs/api.md §9); never the password. */
    passwordSha1: bytea('password_sha1'),
    sourceName: text('source_name').notNull(),
    sourceType: leakSourceTypeEnum('source_type').notNull(),
    leakedAt: timestamptz('leaked_at'),
    discoveredAt: timestamptz('discovered_at').notNull().defaultNow(),
    severity: severityEnum('severity').notNull().default('medium'),
  },
  (t) => [
    index('credential_leaks_domain').on(t.domainKey, t.id),
    index('credential_leaks_email').on(t.email, t.id),
    index('credential_leaks_site').on(t.siteKey, t.id),
    // One row per (source, login, site, password): re-importing creates nothing. The source leads:
    // an import is one source, so its rows land in one region of this index, not all over it, and
    // importing into a table of millions costs what importing into an empty one does (docs/scaling.md).
    unique('credential_leaks_identity')
      .on(t.sourceName, t.passwordSha1, t.email, t.username, t.site)
      .nullsNotDistinct(),
  ],
);

/**
 * Where a workspace's alerts are sent (docs/api.md §10). The signing secret is kept encrypted
 * (src/webhooks/secrets.ts): the server must sign with it, so a hash could not do; a dump of the
 * database alone does not reveal it. During a rotation the previous secret signs alongside.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    description: text('description'),
    enabled: boolean('enabled').notNull().default(true),
    /** Why the server turned it off (a 410 from the receiver), or null. */
    disabledReason: text('disabled_reason'),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: timestamptz('previous_secret_expires_at'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [index('webhook_endpoints_workspace').on(t.workspaceId, t.id)],
);

/**
 * One alert to one endpoint: the queue and the delivery log at once. Made by the database in the
 * transaction that raises the alert (drizzle/0008). `id` is the `webhook-id` of every attempt.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: id(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    workspaceId: uuid('workspace_id').notNull(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    status: deliveryStatusEnum('status').notNull().default('pending'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: timestamptz('next_attempt_at').notNull().defaultNow(),
    /** A process working on it holds it until then; a crashed one lets it go by itself. */
    lockedUntil: timestamptz('locked_until'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_due').on(t.status, t.nextAttemptAt),
    index('webhook_deliveries_endpoint').on(t.endpointId, t.createdAt, t.id),
    // An endpoint's waiting deliveries, oldest due first: what the worker claims per endpoint and
    // what the backlog bound counts (drizzle/0013).
    index('webhook_deliveries_endpoint_pending')
      .on(t.endpointId, t.nextAttemptAt, t.id)
      .where(sql`status = 'pending'`),
    // The attempts running now, in any process: few rows, read at every claim.
    index('webhook_deliveries_leased')
      .on(t.lockedUntil)
      .where(sql`status = 'pending' AND locked_until IS NOT NULL`),
  ],
);

export const webhookAttempts = pgTable(
  'webhook_attempts',
  {
    id: id(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: 'cascade' }),
    at: timestamptz('at').notNull().defaultNow(),
    /** The receiver's HTTP status, or null when there was none (timeout, refused, not allowed). */
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('webhook_attempts_delivery').on(t.deliveryId, t.at)],
);

/**
 * How many stored credential leaks hold each password (by its SHA-1), for the range search (docs/api.md
 * §9): a password that thousands of leaks share is one row here, counted as leaks are imported.
 */
export const passwordCounts = pgTable('password_counts', {
  sha1: bytea('sha1').primaryKey(),
  count: integer('count').notNull(),
});

/**
 * The same counts by each password's NTLM hash (MD4 of its UTF-16LE bytes), for the range search's
 * NTLM mode: counted as leaks are imported, never stored with a leak.
 */
export const passwordNtlmCounts = pgTable('password_ntlm_counts', {
  ntlm: bytea('ntlm').primaryKey(),
  count: integer('count').notNull(),
});

/**
 * Counts an import added and that are not yet folded into `password_counts` and
 * `password_ntlm_counts` (src/dataleaks/passwordCounts.ts). A batch of an import appends here, in its
 * own transaction, instead of updating the large tables' keys all over; they are folded in sorted,
 * by an import whenever two million are pending and by every server process once a minute. The
 * range search adds what is here to what is there, so it is exact at every moment; this table stays
 * small, and so does its index.
 */
export const passwordCountsPending = pgTable(
  'password_counts_pending',
  {
    sha1: bytea('sha1').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('password_counts_pending_sha1').on(t.sha1)],
);

export const passwordNtlmCountsPending = pgTable(
  'password_ntlm_counts_pending',
  {
    ntlm: bytea('ntlm').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('password_ntlm_counts_pending_ntlm').on(t.ntlm)],
);

/** Leaked payment cards: never a full number, only BIN, last four and expiry. */
export const cardLeaks = pgTable(
  'card_leaks',
  {
    id: id(),
    bin: byteText('bin').notNull(),
    last4: text('last4').notNull(),
    expiry: text('expiry'),
    brand: text('brand'),
    sourceName: text('source_name').notNull(),
    leakedAt: timestamptz('leaked_at'),
    discoveredAt: timestamptz('discovered_at').notNull().defaultNow(),
  },
  (t) => [
    index('card_leaks_bin').on(t.bin, t.id),
    // One row per (source, BIN, last 4, expiry): re-importing creates nothing.
    unique('card_leaks_identity').on(t.sourceName, t.bin, t.last4, t.expiry).nullsNotDistinct(),
  ],
);

/**
 * What became of each envelope POSTed to a TAXII collection (docs/api.md §11), readable at
 * `/taxii2/api/status/{id}/` by its workspace for a week. An envelope is stored whole before the
 * answer, so every status is `complete`.
 */
export const taxiiStatuses = pgTable(
  'taxii_statuses',
  {
    id: id(),
    workspaceId: uuid('workspace_id')
      .notNull()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    requestTimestamp: timestamp('request_timestamp', { withTimezone: true, precision: 6, mode: 'string' })
      .notNull()
      .defaultNow(),
    totalCount: integer('total_count').notNull(),
    /** Every object stored, counted; `successes` lists the first of them (src/taxii/objects.ts). */
    successCount: integer('success_count').notNull().default(0),
    /** Every object refused or not kept, counted; `failures` lists the first of them. */
    failureCount: integer('failure_count').notNull().default(0),
    /** `{ id, version? }` per object stored, the first 1,000 at most. */
    successes: jsonb('successes').notNull(),
    /** `{ id, version?, message }` per object refused or not kept, the first 1,000 at most. */
    failures: jsonb('failures').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('taxii_statuses_created').on(t.createdAt)],
);

/**
 * A feed (docs/api.md §14): a URL pulled on a schedule into the shared feed (`workspace_id` null,
 * an operator's) or a workspace's own IOCs. The table is also the pulls' queue: a process claims a
 * due feed with `FOR UPDATE SKIP LOCKED` and holds it while it pulls (`locked_until`, renewed), so
 * that one process pulls a feed at a time and a process that dies lets another take it.
 */
export const feeds = pgTable(
  'feeds',
  {
    id: id(),
    workspaceId: uuid('workspace_id').references(() => workspaces.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    url: text('url').notNull(),
    format: feedFormatEnum('format').notNull(),
    /** Made by an operator (the CLI): reaches any address. A workspace's own obey the URL policy. */
    trusted: boolean('trusted').notNull().default(false),
    everySeconds: integer('every_seconds').notNull(),
    /** Request headers as sealed JSON (their values may be credentials; src/webhooks/secrets.ts), or null. */
    headers: text('headers'),
    headerNames: text('header_names')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** What the next pull asks from: `etag`, `last_modified` (HTTP), `added_after` (TAXII). */
    cursor: jsonb('cursor')
      .notNull()
      .default(sql`'{}'::jsonb`),
    nextRunAt: timestamptz('next_run_at').notNull().defaultNow(),
    lockedUntil: timestamptz('locked_until'),
    /** Failed pulls in a row: the backoff before the next one. */
    failures: integer('failures').notNull().default(0),
    lastRunAt: timestamptz('last_run_at'),
    lastSuccessAt: timestamptz('last_success_at'),
    lastError: text('last_error'),
    /** `{ read, created, updated, unchanged, rejected }` of the last pull that ended. */
    lastRun: jsonb('last_run'),
    createdAt: createdAt(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (t) => [unique('feeds_name').on(t.workspaceId, t.name).nullsNotDistinct(), index('feeds_due').on(t.nextRunAt)],
);

/**
 * What a feed that is many documents has read of each (a MISP feed's events by `timestamp`): a
 * pull fetches only what changed, and one stopped halfway goes on from the last document read.
 */
export const feedItems = pgTable(
  'feed_items',
  {
    feedId: uuid('feed_id')
      .notNull()
      .references(() => feeds.id, { onDelete: 'cascade' }),
    item: text('item').notNull(),
    version: text('version').notNull(),
  },
  (t) => [primaryKey({ columns: [t.feedId, t.item] })],
);

export type Workspace = typeof workspaces.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type ScopeEntry = typeof workspaceScope.$inferSelect;
export type DomainClaim = typeof domainClaims.$inferSelect;
