/**
 * What feeds out read over GraphQL (docs/api.md §14), behind `iocs:read`: the block lists (their
 * version, then pages of values) and the MISP feed (its manifest, events a page of attributes at a
 * time, `hashes.csv` a page of lines at a time). The REST doors `/api/v1/blocklists/{type}.txt`
 * and `/misp/{collection}/…` run these operations and stream the pages (src/rest/routes.ts).
 */
import { ApiError, invalidParameter } from '../core/errors.js';
import { isOneOf, BLOCKLIST_TYPES } from '../core/vocabulary.js';
import { builder } from '../graphql/builder.js';
import {
  BLOCKLIST_PAGE,
  blocklistPage,
  blocklistVersion,
  type BlocklistFilters,
  type BlocklistPage,
  type BlocklistVersion,
} from './blocklists.js';
import {
  MISP_PAGE,
  mispEventPage,
  mispHashes,
  mispManifest,
  type MispCollection,
  type MispEventPage,
} from './mispFeed.js';
import { requireUuid } from '../core/ids.js';

const BlocklistVersionRef = builder.objectRef<BlocklistVersion>('BlocklistVersion').implement({
  description: 'What a block list’s `ETag` and `Last-Modified` are made of.',
  fields: (t) => ({
    etag: t.exposeString('etag'),
    lastModified: t.expose('lastModified', { type: 'DateTime' }),
  }),
});

const BlocklistPageRef = builder.objectRef<BlocklistPage>('BlocklistPage').implement({
  fields: (t) => ({
    text: t.exposeString('text', { description: 'The page’s values, one a line (no newline after the last).' }),
    count: t.exposeInt('count'),
    endCursor: t.exposeString('endCursor', { nullable: true }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

const MispEventPageRef = builder.objectRef<MispEventPage>('MispEventPage').implement({
  fields: (t) => ({
    event: t.field({
      type: 'MispDocument',
      nullable: true,
      description: 'The event without its attributes, on the first page (no `after`).',
      resolve: (page) => page.event,
    }),
    attributes: t.field({ type: ['MispDocument'], resolve: (page) => page.attributes }),
    endCursor: t.exposeString('endCursor', { nullable: true }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

const MispLinesRef = builder
  .objectRef<{ text: string; count: number; endCursor: string | null; hasNextPage: boolean }>('MispHashesPage')
  .implement({
    fields: (t) => ({
      text: t.exposeString('text', {
        description: '`md5(value),event uuid` a line, as MISP’s `hashes.csv` has them (no newline after the last).',
      }),
      count: t.exposeInt('count'),
      endCursor: t.exposeString('endCursor', { nullable: true }),
      hasNextPage: t.exposeBoolean('hasNextPage'),
    }),
  });

/** A block list's type; an unknown one is not found (there is no such list), as its address would be. */
function blocklistType(type: string): BlocklistFilters['type'] {
  if (!isOneOf(BLOCKLIST_TYPES, type))
    throw new ApiError(
      'not_found',
      `No block list of type ${JSON.stringify(type.slice(0, 50))}: ${BLOCKLIST_TYPES.join(', ')}.`,
    );
  return type;
}

function mispCollection(collection: string): MispCollection {
  if (collection !== 'shared' && collection !== 'own')
    throw new ApiError('not_found', 'No MISP feed here: the collections are shared and own.');
  return collection;
}

function pageSize(first: number | null | undefined, max: number): number {
  const size = first ?? max;
  if (!Number.isInteger(size) || size < 1 || size > max) throw invalidParameter('first', `must be from 1 to ${max}.`);
  return size;
}

builder.queryFields((t) => {
  const blocklistArgs = {
    type: t.arg.string({ required: true, description: `One of ${BLOCKLIST_TYPES.join(', ')}.` }),
    minScore: t.arg.int(),
    minConfidence: t.arg.int(),
    tag: t.arg.string(),
    source: t.arg.string(),
    own: t.arg.boolean({
      description: 'true: the workspace’s own only; false: the shared feed’s only; not given: both.',
    }),
  };
  const filtersOf = (args: {
    type: string;
    minScore?: number | null;
    minConfidence?: number | null;
    tag?: string | null;
    source?: string | null;
    own?: boolean | null;
  }): BlocklistFilters => ({ ...args, type: blocklistType(args.type) });
  return {
    blocklistVersion: t.field({
      type: BlocklistVersionRef,
      description: 'A block list’s version: it changes with what the list holds, and at least every hour.',
      authScopes: { permission: 'iocs:read' },
      args: blocklistArgs,
      resolve: (_root, args, { db, principal }) => blocklistVersion(db, principal.workspace.id, filtersOf(args)),
    }),
    blocklist: t.field({
      type: BlocklistPageRef,
      description: `A page of a block list: active values of one type, newest change first (at most ${BLOCKLIST_PAGE.toLocaleString('en')} a page).`,
      authScopes: { permission: 'iocs:read' },
      args: { ...blocklistArgs, first: t.arg.int(), after: t.arg.string() },
      resolve: (_root, { first, after, ...args }, { db, principal }) =>
        blocklistPage(db, principal.workspace.id, filtersOf(args), pageSize(first, BLOCKLIST_PAGE), after ?? null),
    }),
    mispManifest: t.field({
      type: 'MispDocument',
      description: 'The MISP feed’s `manifest.json` of a collection (`shared` or `own`).',
      authScopes: { permission: 'iocs:read' },
      args: { collection: t.arg.string({ required: true }) },
      resolve: (_root, { collection }, { db, principal }) =>
        mispManifest(db, principal.workspace, mispCollection(collection)),
    }),
    mispEvent: t.field({
      type: MispEventPageRef,
      nullable: true,
      description: 'A page of one MISP event of a collection; null when it has no event with this UUID.',
      authScopes: { permission: 'iocs:read' },
      args: {
        collection: t.arg.string({ required: true }),
        uuid: t.arg.id({ required: true }),
        first: t.arg.int(),
        after: t.arg.string(),
      },
      resolve: async (_root, { collection, uuid, first, after }, { db, principal }) => {
        const page = await mispEventPage(
          db,
          principal.workspace,
          mispCollection(collection),
          requireUuid(String(uuid), 'uuid'),
          pageSize(first, MISP_PAGE),
          after ?? null,
        );
        return page.event || after ? page : null;
      },
    }),
    mispHashes: t.field({
      type: MispLinesRef,
      description: 'A page of the MISP feed’s `hashes.csv` of a collection.',
      authScopes: { permission: 'iocs:read' },
      args: { collection: t.arg.string({ required: true }), first: t.arg.int(), after: t.arg.string() },
      resolve: (_root, { collection, first, after }, { db, principal }) =>
        mispHashes(db, principal.workspace.id, mispCollection(collection), pageSize(first, MISP_PAGE), after ?? null),
    }),
  };
});
