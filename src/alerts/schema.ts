/**
 * Alerts over GraphQL (docs/api.md §10): read behind `watchlists:read`, triaged behind
 * `watchlists:write`, confined to the caller's workspace (another workspace's alert is
 * `not_found`, like a missing one). An alert shows its record only to a key that could read that
 * record through the searches: a leak needs `dataleaks:read` and a workspace that may search leaks
 * today, an IOC `iocs:read`; otherwise `record` is null (src/alerts/records.ts).
 */
import { ApiError, invalidParameter } from '../core/errors.js';
import { MAX_COST } from '../graphql/cost.js';
import { builder } from '../graphql/builder.js';
import { AlertKindEnum, AlertStatusEnum, ScopeDomainStatusEnum } from '../graphql/enums.js';
import { PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { connectionType, pageArgs, paginate } from '../graphql/connections.js';
import { requireUuid, UUID_PATTERN } from '../core/ids.js';
import { CardLeakRef, CredentialLeakRef } from '../dataleaks/schema.js';
import { IocRef } from '../iocs/schema.js';
import { WatchlistEntryTypeEnum } from '../watchlists/schema.js';
import { ALERT_KINDS } from '../core/vocabulary.js';
import { AlertFeed } from './feed.js';
import * as repository from './repository.js';
import { withRecords, type AlertShape } from './records.js';
import type { AlertRecord, AlertRow, ScopeChange } from './repository.js';

export { AlertKindEnum, AlertStatusEnum };

type MatchedEntry = Pick<AlertRow, 'entryId'> & { entryType: NonNullable<AlertRow['entryType']>; entryValue: string };

const AlertEntryRef = builder.objectRef<MatchedEntry>('AlertEntry').implement({
  description: 'The watchlist entry that matched, as it was (its id is null once the entry is removed).',
  fields: (t) => ({
    id: t.exposeID('entryId', { nullable: true }),
    type: t.field({ type: WatchlistEntryTypeEnum, resolve: (alert) => alert.entryType }),
    value: t.exposeString('entryValue'),
  }),
});

const ScopeChangeRef = builder.objectRef<ScopeChange>('ScopeChange').implement({
  description: 'A domain of the scope that changed: `LAPSED` when its DNS record was missing at three checks in a row.',
  fields: (t) => ({
    // Nullable as `CredentialLeak.domain` is: one selection of the union reads both.
    domain: t.exposeString('domain', { nullable: true }),
    scopeStatus: t.field({ type: ScopeDomainStatusEnum, resolve: (change) => change.status }),
  }),
});

const RECORD_TYPES = {
  credential_leak: 'CredentialLeak',
  card_leak: 'CardLeak',
  ioc: 'Ioc',
  scope: 'ScopeChange',
} as const;

const AlertRecordRef = builder.unionType('AlertRecord', {
  types: [CredentialLeakRef, CardLeakRef, IocRef, ScopeChangeRef],
  resolveType: (record) => RECORD_TYPES[(record as AlertRecord).__kind],
});

export const AlertRef = builder.objectRef<AlertShape>('Alert').implement({
  description:
    'New data that matched a watchlist entry (one per entry and record), or a change to the scope (kind `SCOPE`: no watchlist, no entry).',
  fields: (t) => ({
    id: t.exposeID('id'),
    watchlistId: t.exposeID('watchlistId', { nullable: true }),
    entry: t.field({
      type: AlertEntryRef,
      nullable: true,
      resolve: (alert) =>
        alert.entryType === null || alert.entryValue === null
          ? null
          : { entryId: alert.entryId, entryType: alert.entryType, entryValue: alert.entryValue },
    }),
    kind: t.field({ type: AlertKindEnum, resolve: (alert) => alert.kind }),
    record: t.field({
      type: AlertRecordRef,
      nullable: true,
      description: 'The leak or IOC that matched; null when this key could not read it through the searches.',
      resolve: (alert) => alert.record as never,
    }),
    status: t.field({ type: AlertStatusEnum, resolve: (alert) => alert.status }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const AlertConnectionRef = connectionType('Alert', AlertRef);

const notFound = () => new ApiError('not_found', 'No alert with this id in the workspace.');

builder.queryFields((t) => ({
  alerts: t.field({
    type: AlertConnectionRef,
    description: "The workspace's alerts, newest first.",
    authScopes: { permission: 'watchlists:read' },
    args: {
      status: t.arg({ type: AlertStatusEnum }),
      watchlistId: t.arg.id(),
      kind: t.arg({ type: AlertKindEnum }),
      ...pageArgs(t.arg),
    },
    resolve: async (_root, args, { db, principal }) => {
      const filters = {
        status: args.status ?? null,
        watchlistId: args.watchlistId ? requireUuid(String(args.watchlistId), 'watchlistId') : null,
        kind: args.kind ?? null,
      };
      const page = await paginate<AlertRow>(
        args,
        (limit, after) =>
          repository.listAlerts(db, principal.workspace.id, filters, limit, after as [string, string] | null),
        { parts: [PG_TIMESTAMP_PATTERN, UUID_PATTERN], of: (row) => [row.createdAt, row.id] },
      );
      const shaped = await withRecords(
        db,
        principal,
        page.edges.map((edge) => edge.node),
      );
      return { ...page, edges: page.edges.map((edge, i) => ({ ...edge, node: shaped[i]! })) };
    },
  }),
  alert: t.field({
    type: AlertRef,
    nullable: true,
    description: 'One alert, or null when unknown or another workspace’s.',
    authScopes: { permission: 'watchlists:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      const row = await repository.findAlert(db, principal.workspace.id, requireUuid(String(id), 'id'));
      return row ? (await withRecords(db, principal, [row]))[0]! : null;
    },
  }),
}));

const AlertKindCountRef = builder.objectRef<{ kind: AlertRow['kind']; count: number }>('AlertKindCount').implement({
  fields: (t) => ({ kind: t.field({ type: AlertKindEnum, resolve: (row) => row.kind }), count: t.exposeInt('count') }),
});
const AlertDayCountRef = builder.objectRef<{ day: string; count: number }>('AlertDayCount').implement({
  fields: (t) => ({
    day: t.exposeString('day', { description: 'A UTC day, YYYY-MM-DD.' }),
    count: t.exposeInt('count'),
  }),
});

/** What one `alertSummary` weighs in a document's cost, its lists aside: five fit under MAX_COST, six do not. */
const SUMMARY_COST = 0.18 * MAX_COST;

/** The days `alertSummary` can count back over. */
const MAX_SUMMARY_DAYS = 366;

interface AlertSummary {
  newByKind: { kind: AlertRow['kind']; count: number }[];
  daily: { day: string; count: number }[];
}
const AlertSummaryRef = builder.objectRef<AlertSummary>('AlertSummary').implement({
  fields: (t) => ({
    newByKind: t.field({
      type: [AlertKindCountRef],
      description: 'Alerts still `new`, by kind (kinds with none left out).',
      extensions: { maxItems: ALERT_KINDS.length },
      resolve: (s) => s.newByKind,
    }),
    daily: t.field({
      type: [AlertDayCountRef],
      description: 'Alerts raised per UTC day, oldest first, every day listed.',
      extensions: { maxItems: MAX_SUMMARY_DAYS },
      resolve: (s) => s.daily,
    }),
  }),
});

builder.queryField('alertSummary', (t) =>
  t.field({
    type: AlertSummaryRef,
    description: 'What the dashboard shows of the workspace’s alerts.',
    authScopes: { permission: 'watchlists:read' },
    // Two statements of its own per alias: priced so that a document holds at most five, not the
    // thirty aliases that kept both of a process's connections busy (docs/api.md §12).
    extensions: { cost: SUMMARY_COST },
    args: {
      days: t.arg.int({ defaultValue: 30, description: `Days back, today included: 1 to ${MAX_SUMMARY_DAYS}.` }),
    },
    resolve: async (_root, args, { db, principal }) => {
      const days = args.days ?? 30;
      if (!Number.isInteger(days) || days < 1 || days > MAX_SUMMARY_DAYS)
        throw invalidParameter('days', `must be a whole number from 1 to ${MAX_SUMMARY_DAYS}.`);
      const [newByKind, daily] = await Promise.all([
        repository.countNewAlerts(db, principal.workspace.id),
        repository.countAlertsByDay(db, principal.workspace.id, days),
      ]);
      return { newByKind, daily };
    },
  }),
);

/** Alerts one bulk update may change: a page of the console's table. */
const MAX_BULK_ALERTS = 100;

builder.mutationField('updateAlerts', (t) =>
  t.field({
    type: [AlertRef],
    description: `Acknowledges or resolves 1 to ${MAX_BULK_ALERTS} alerts at once; the ones changed, ids of no alert of the workspace left out.`,
    authScopes: { permission: 'watchlists:write' },
    args: { ids: t.arg.idList({ required: true }), status: t.arg({ type: AlertStatusEnum, required: true }) },
    resolve: async (_root, { ids, status }, { db, principal }) => {
      if (ids.length === 0 || ids.length > MAX_BULK_ALERTS)
        throw invalidParameter('ids', `must hold 1 to ${MAX_BULK_ALERTS} alert ids.`);
      const rows = await repository.updateAlertsStatus(
        db,
        principal.workspace.id,
        ids.map((id) => requireUuid(String(id), 'ids')),
        status,
      );
      return withRecords(db, principal, rows);
    },
  }),
);

builder.mutationField('updateAlert', (t) =>
  t.field({
    type: AlertRef,
    description: 'Acknowledges or resolves an alert (or sets it back to new).',
    authScopes: { permission: 'watchlists:write' },
    args: { id: t.arg.id({ required: true }), status: t.arg({ type: AlertStatusEnum, required: true }) },
    resolve: async (_root, { id, status }, { db, principal }) => {
      const row = await repository.updateAlertStatus(db, principal.workspace.id, requireUuid(String(id), 'id'), status);
      if (!row) throw notFound();
      return (await withRecords(db, principal, [row]))[0]!;
    },
  }),
);

const AlertEventRef = builder.objectRef<{ cursor: string; alert: AlertShape }>('AlertEvent').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', {
      description: 'Resume after this event with it (`after`, or SSE `Last-Event-ID`).',
    }),
    alert: t.field({ type: AlertRef, resolve: (event) => event.alert }),
  }),
});

builder.subscriptionField('alertCreated', (t) =>
  t.field({
    type: AlertEventRef,
    description:
      "The workspace's new alerts as they are raised, from now on, or after the event whose `cursor` is `after` (nothing missed, nothing repeated).",
    authScopes: { permission: 'watchlists:read' },
    args: { after: t.arg.string() },
    subscribe: async (_root, args, { alerts, principal, openAnswers, signal }) => {
      const after = args.after ? AlertFeed.parseCursor(args.after, 'after') : null;
      const release = openAnswers.openStream(principal, signal);
      try {
        // "From now on" is fixed before the stream answers: an alert raised once the client holds
        // its 200 is never missed.
        return alerts.alerts(principal, after ?? (await alerts.start()), signal, release);
      } catch (error) {
        release();
        throw error;
      }
    },
    resolve: (event) => event,
  }),
);
