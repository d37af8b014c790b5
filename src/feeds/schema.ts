/**
 * A workspace's feeds over GraphQL (docs/api.md §14): `feeds`, `feed(id)`, `createFeed`,
 * `updateFeed`, `deleteFeed`, `runFeed`, all behind `iocs:write` (a feed writes the workspace's
 * IOCs, and its URL may carry what only its owner should read). REST's `/api/v1/feeds` routes run
 * these operations (src/rest/routes.ts). Header values are never shown, only their names.
 */
import { requireUuid } from '../core/ids.js';
import { FEED_FORMATS } from '../core/vocabulary.js';
import { builder } from '../graphql/builder.js';
import type { Context } from '../graphql/context.js';
import { vocabularyEnum } from '../graphql/enums.js';
import {
  createFeed,
  deleteFeed,
  findFeed,
  listFeeds,
  queueFeedRun,
  updateFeed,
  writtenEvery,
  type FeedRow,
  type PullCounts,
} from './feeds.js';
import { notifyFeedRun } from './worker.js';

export const FeedFormatEnum = vocabularyEnum('FeedFormat', FEED_FORMATS, 'What a feed’s URL serves.', {
  stix: 'A STIX 2.1 bundle.',
  taxii: 'A TAXII 2.1 collection (its URL), read by `added_after` and `next`.',
  misp: 'A MISP feed folder (`manifest.json`, one file per event): changed events only.',
  csv: 'This product’s own CSV (its `source` column wins over the feed’s name).',
  urlhaus: 'abuse.ch URLhaus CSV.',
  threatfox: 'abuse.ch ThreatFox JSON export.',
  text: 'One value per line, `#` comments, types detected, defanged forms read.',
});

const FeedRunRef = builder.objectRef<PullCounts>('FeedRun').implement({
  description: 'What one pull read: `read = created + updated + unchanged + rejected`; a 304 reads nothing.',
  fields: (t) => ({
    read: t.exposeInt('read'),
    created: t.exposeInt('created'),
    updated: t.exposeInt('updated'),
    unchanged: t.exposeInt('unchanged'),
    rejected: t.exposeInt('rejected'),
  }),
});

const FeedRef = builder.objectRef<FeedRow>('Feed').implement({
  description: 'A URL pulled on a schedule into the workspace’s own IOCs.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', { description: 'Unique in the workspace; the `source` of the rows it brings.' }),
    url: t.exposeString('url'),
    format: t.field({ type: FeedFormatEnum, resolve: (feed) => feed.format }),
    every: t.string({
      description: 'How often it is pulled: `15m` to `7d`.',
      resolve: (feed) => writtenEvery(feed.everySeconds),
    }),
    headerNames: t.exposeStringList('headerNames', {
      description: 'The request headers it sends (never their values).',
    }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true }),
    lastSuccessAt: t.expose('lastSuccessAt', { type: 'DateTime', nullable: true }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'Why the last pull failed; null when it did not.',
    }),
    lastRun: t.field({
      type: FeedRunRef,
      nullable: true,
      resolve: (feed) => (feed.lastRun as PullCounts | null) ?? null,
    }),
    nextRunAt: t.expose('nextRunAt', {
      type: 'DateTime',
      description: 'When it is due (after a failure, the backoff).',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const FeedHeaderInput = builder.inputType('FeedHeaderInput', {
  fields: (t) => ({ name: t.string({ required: true }), value: t.string({ required: true }) }),
});

const headersOf = (headers: readonly { name: string; value: string }[] | null | undefined) =>
  headers ? Object.fromEntries(headers.map(({ name, value }) => [name, value])) : null;

const settingsOf = (context: Context) => ({
  policy: context.webhooks.policy,
  secrets: context.webhooks.secrets,
  trusted: false,
});

builder.queryFields((t) => ({
  feeds: t.field({
    type: [FeedRef],
    description: 'The workspace’s feeds, by name, with how their last pull went.',
    authScopes: { permission: 'iocs:write' },
    resolve: (_root, _args, { db, principal }) => listFeeds(db, principal.workspace.id),
  }),
  feed: t.field({
    type: FeedRef,
    nullable: true,
    description: 'One of the workspace’s feeds; null when it has none with this id.',
    authScopes: { permission: 'iocs:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) =>
      (await findFeed(db, principal.workspace.id, requireUuid(String(id), 'id'))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createFeed: t.field({
    type: FeedRef,
    description:
      'Adds a feed pulled into the workspace’s own IOCs, first at once, then every `every` (default 1h). Its URL obeys the webhook URL policy (https, public addresses only), now and before every pull.',
    authScopes: { permission: 'iocs:write' },
    args: {
      name: t.arg.string({ required: true }),
      url: t.arg.string({ required: true }),
      format: t.arg({ type: FeedFormatEnum, required: true }),
      every: t.arg.string(),
      headers: t.arg({ type: [FeedHeaderInput] }),
    },
    resolve: (_root, args, context) =>
      createFeed(
        context.db,
        context.principal.workspace.id,
        { ...args, headers: headersOf(args.headers) },
        settingsOf(context),
      ),
  }),
  updateFeed: t.field({
    type: FeedRef,
    description:
      'Changes a feed; `headers` replaces them all. A new URL or format starts from nothing and is due at once.',
    authScopes: { permission: 'iocs:write' },
    args: {
      id: t.arg.id({ required: true }),
      name: t.arg.string(),
      url: t.arg.string(),
      format: t.arg({ type: FeedFormatEnum }),
      every: t.arg.string(),
      headers: t.arg({ type: [FeedHeaderInput] }),
    },
    resolve: (_root, { id, headers, ...change }, context) =>
      updateFeed(
        context.db,
        context.principal.workspace.id,
        requireUuid(String(id), 'id'),
        { ...change, headers: headersOf(headers) },
        settingsOf(context),
      ),
  }),
  deleteFeed: t.boolean({
    description: 'Deletes a feed; the IOCs it brought stay.',
    authScopes: { permission: 'iocs:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      await deleteFeed(db, principal.workspace.id, requireUuid(String(id), 'id'));
      return true;
    },
  }),
  runFeed: t.field({
    type: FeedRef,
    description: 'Queues a pull of the feed now; a server process takes it within seconds.',
    authScopes: { permission: 'iocs:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      const feed = await queueFeedRun(db, principal.workspace.id, requireUuid(String(id), 'id'));
      await notifyFeedRun(db);
      return feed;
    },
  }),
}));
