/**
 * Watchlists over GraphQL (docs/api.md §5–§7): read behind `watchlists:read`, changed behind
 * `watchlists:write`, always confined to the caller's workspace.
 */
import { ApiError, forbidden, invalidParameter } from '../core/errors.js';
import { PLAN_LIMITS } from '../core/plans.js';
import { builder } from '../graphql/builder.js';
import { WatchlistEntryTypeEnum } from '../graphql/enums.js';
import { connectionType, pageArgs, paginate } from '../graphql/connections.js';
import { requireUuid, UUID_PATTERN } from '../core/ids.js';
import type { Context } from '../graphql/context.js';
import * as repository from './repository.js';
import type { WatchlistEntryRow, WatchlistRow } from './repository.js';
import { checkDescription, checkEntries, checkName, MAX_ENTRIES_PER_WATCHLIST } from './rules.js';

export { WatchlistEntryTypeEnum };

const WatchlistEntryRef = builder.objectRef<WatchlistEntryRow>('WatchlistEntry').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.field({ type: WatchlistEntryTypeEnum, resolve: (e) => e.type }),
    value: t.exposeString('value', { description: 'Stored normalised: lower case, IDN as punycode, BIN digits only.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const WatchlistRef = builder.objectRef<WatchlistRow>('Watchlist').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    entries: t.field({
      type: [WatchlistEntryRef],
      description: `Every entry, at most ${MAX_ENTRIES_PER_WATCHLIST}; a query's cost counts that many (docs/api.md §7).`,
      extensions: { maxItems: MAX_ENTRIES_PER_WATCHLIST },
      resolve: (watchlist, _args, { loaders }) => loaders.watchlistEntries.load(watchlist.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const WatchlistConnectionRef = connectionType('Watchlist', WatchlistRef);

const WatchlistEntryInput = builder.inputType('WatchlistEntryInput', {
  fields: (t) => ({
    type: t.field({ type: WatchlistEntryTypeEnum, required: true }),
    value: t.string({ required: true }),
  }),
});

const CreateWatchlistInput = builder.inputType('CreateWatchlistInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    entries: t.field({ type: [WatchlistEntryInput] }),
  }),
});

const UpdateWatchlistInput = builder.inputType('UpdateWatchlistInput', {
  fields: (t) => ({
    name: t.string(),
    description: t.string(),
  }),
});

const notFound = () => new ApiError('not_found', 'No watchlist with this id in the workspace.');

/** The caller's watchlist, locked for the rest of the transaction; `not_found` for anyone else's. */
async function lockedWatchlist(db: Context['db'], workspaceId: string, id: string): Promise<WatchlistRow> {
  const watchlist = await repository.findWatchlistForUpdate(db, workspaceId, requireUuid(id, 'id'));
  if (!watchlist) throw notFound();
  return watchlist;
}

builder.queryFields((t) => ({
  watchlists: t.field({
    type: WatchlistConnectionRef,
    description: 'The workspace’s watchlists, oldest first.',
    authScopes: { permission: 'watchlists:read' },
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, principal }) =>
      paginate(
        args,
        (limit, after) => repository.listWatchlists(db, principal.workspace.id, limit, after?.[0] ?? null),
        { parts: [UUID_PATTERN], of: (w) => [w.id] },
      ),
  }),
  watchlist: t.field({
    type: WatchlistRef,
    nullable: true,
    description: 'One watchlist by id; null when it does not exist or belongs to another workspace.',
    authScopes: { permission: 'watchlists:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) =>
      (await repository.findWatchlist(db, principal.workspace.id, requireUuid(String(id), 'id'))) ?? null,
  }),
}));

/** `a free`, `a pro`, `an enterprise`. */
const withArticle = (plan: string) => `${/^[aeiou]/.test(plan) ? 'an' : 'a'} ${plan}`;

/** Refuses (and so rolls back) a change that leaves the workspace over its plan's entries. */
async function withinEntryLimit(tx: Context['db'], workspace: Context['principal']['workspace']): Promise<void> {
  const limit = PLAN_LIMITS[workspace.plan].watchlistEntries;
  if ((await repository.lockedWorkspaceCounts(tx, workspace.id)).entries > limit) {
    throw forbidden(
      `${withArticle(workspace.plan)} workspace has at most ${limit.toLocaleString('en')} watchlist entries in all; remove some first.`,
      { reason: 'limit' },
    );
  }
}

builder.mutationFields((t) => ({
  createWatchlist: t.field({
    type: WatchlistRef,
    authScopes: { permission: 'watchlists:write' },
    args: { input: t.arg({ type: CreateWatchlistInput, required: true }) },
    resolve: async (_root, { input }, { db, principal }) => {
      const name = checkName(input.name);
      const description = checkDescription(input.description);
      const entries = checkEntries(principal.scope, input.entries ?? []);
      return db.transaction(async (tx) => {
        const limits = PLAN_LIMITS[principal.workspace.plan];
        if ((await repository.lockedWorkspaceCounts(tx, principal.workspace.id)).watchlists >= limits.watchlists) {
          throw forbidden(
            `${withArticle(principal.workspace.plan)} workspace has at most ${limits.watchlists} watchlists; delete one first.`,
            { reason: 'limit' },
          );
        }
        const watchlist = await repository.insertWatchlist(tx, principal.workspace.id, { name, description });
        await repository.insertEntries(tx, watchlist.id, entries);
        await withinEntryLimit(tx, principal.workspace);
        return watchlist;
      });
    },
  }),
  updateWatchlist: t.field({
    type: WatchlistRef,
    authScopes: { permission: 'watchlists:write' },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWatchlistInput, required: true }) },
    resolve: async (_root, { id, input }, { db, principal }) => {
      const changes: { name?: string; description?: string | null } = {};
      if (input.name !== null && input.name !== undefined) changes.name = checkName(input.name);
      if (input.description !== undefined) changes.description = checkDescription(input.description);
      if (Object.keys(changes).length === 0)
        throw invalidParameter('input', 'name a field to change: name or description.');
      const row = await repository.updateWatchlist(db, principal.workspace.id, requireUuid(String(id), 'id'), changes);
      if (!row) throw notFound();
      return row;
    },
  }),
  deleteWatchlist: t.field({
    type: 'ID',
    authScopes: { permission: 'watchlists:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      const watchlistId = requireUuid(String(id), 'id');
      if (!(await repository.deleteWatchlist(db, principal.workspace.id, watchlistId))) throw notFound();
      return watchlistId;
    },
  }),
  addWatchlistEntries: t.field({
    type: WatchlistRef,
    description: `Adds entries; one already on the list is kept once. A watchlist holds at most ${MAX_ENTRIES_PER_WATCHLIST} entries.`,
    authScopes: { permission: 'watchlists:write' },
    args: {
      watchlistId: t.arg.id({ required: true }),
      entries: t.arg({ type: [WatchlistEntryInput], required: true }),
    },
    resolve: async (_root, args, { db, principal }) => {
      const entries = checkEntries(principal.scope, args.entries);
      if (entries.length === 0) throw invalidParameter('entries', 'name at least one entry.');
      return db.transaction(async (tx) => {
        await repository.lockedWorkspaceCounts(tx, principal.workspace.id);
        const watchlist = await lockedWatchlist(tx, principal.workspace.id, String(args.watchlistId));
        await repository.insertEntries(tx, watchlist.id, entries);
        await withinEntryLimit(tx, principal.workspace);
        if ((await repository.countEntries(tx, watchlist.id)) > MAX_ENTRIES_PER_WATCHLIST) {
          throw invalidParameter('entries', `a watchlist holds at most ${MAX_ENTRIES_PER_WATCHLIST} entries.`);
        }
        return watchlist;
      });
    },
  }),
  removeWatchlistEntry: t.field({
    type: WatchlistRef,
    authScopes: { permission: 'watchlists:write' },
    args: { watchlistId: t.arg.id({ required: true }), entryId: t.arg.id({ required: true }) },
    resolve: async (_root, args, { db, principal }) =>
      db.transaction(async (tx) => {
        const watchlist = await lockedWatchlist(tx, principal.workspace.id, String(args.watchlistId));
        const removed = await repository.deleteEntry(tx, watchlist.id, requireUuid(String(args.entryId), 'entryId'));
        if (!removed) throw new ApiError('not_found', 'No entry with this id on the watchlist.');
        return watchlist;
      }),
  }),
}));
