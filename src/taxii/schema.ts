/**
 * TAXII 2.1 over GraphQL (docs/api.md §11): the API root, the two collections with their objects,
 * manifest, object and versions, the status of an envelope, and adding objects. The `/taxii2/`
 * routes are named operations over these fields (src/rest/routes.ts), so that who may read and
 * write what is decided here, once.
 */
import { ApiError, forbidden, invalidParameter } from '../core/errors.js';
import { isoTimestamp, taxiiTimestamp } from '../db/time.js';
import type { ArgBuilder } from '@pothos/core';
import { builder, type Types } from '../graphql/builder.js';
import { requireUuid } from '../core/ids.js';
import { STIX_MEDIA_TYPE } from '../iocs/stix.js';
import type { Context } from '../graphql/context.js';
import {
  collectionsOf,
  findCollection,
  TAXII_MAX_CONTENT_LENGTH,
  TAXII_MEDIA_TYPE,
  type TaxiiCollection,
} from './collections.js';
import {
  dateAdded,
  DEFAULT_LIMIT,
  stixIdParts,
  stixIdOf,
  kindsOf,
  type PageItem,
  MAX_LIMIT,
  objectsOf,
  readPage,
  type Page,
  type PageArgs,
} from './envelopes.js';
import { addObjects, MAX_ENVELOPE_OBJECTS, MAX_LISTED_DETAILS } from './objects.js';
import { findStatus, type StatusDetail, type StatusRow } from './repository.js';

const ApiRootRef = builder.objectRef<Record<string, never>>('TaxiiApiRoot').implement({
  description: 'The one TAXII 2.1 API root, `/taxii2/api/`.',
  fields: (t) => ({
    title: t.string({ resolve: () => 'Threat intelligence' }),
    description: t.string({
      resolve: () =>
        'IOCs of the shared feed and of the workspace, as STIX 2.1 indicators, and the workspace’s sightings.',
    }),
    versions: t.stringList({ resolve: () => [TAXII_MEDIA_TYPE] }),
    maxContentLength: t.int({
      description: 'The largest envelope a POST may send, in bytes.',
      resolve: () => TAXII_MAX_CONTENT_LENGTH,
    }),
  }),
});

const dateRange = (page: Page) => ({
  first: page.items[0] ? dateAdded(page.items[0]) : null,
  last: page.items.at(-1) ? dateAdded(page.items.at(-1)!) : null,
});

/** The fields every paged TAXII resource has around its list. */
const pagedFields = (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Page>) => ({
  more: t.boolean({ resolve: (page) => page.more }),
  next: t.string({
    nullable: true,
    description: 'Pass as `next` for the page after this one.',
    resolve: (page) => page.next,
  }),
  dateAddedFirst: t.string({
    nullable: true,
    description: 'The first `date_added` on the page (TAXII: `X-TAXII-Date-Added-First`).',
    resolve: (page) => dateRange(page).first,
  }),
  dateAddedLast: t.string({
    nullable: true,
    description: 'The last `date_added` on the page (TAXII: `X-TAXII-Date-Added-Last`).',
    resolve: (page) => dateRange(page).last,
  }),
});

const EnvelopeRef = builder.objectRef<Page>('TaxiiEnvelope').implement({
  description: 'One page of a collection’s objects, oldest `date_added` first.',
  fields: (t) => {
    const { more, next, dateAddedFirst, dateAddedLast } = pagedFields(t);
    return {
      more,
      next,
      objects: t.field({
        type: ['StixObject'],
        description:
          'STIX 2.1 indicators, as the export writes them; in the workspace’s own collection also its sightings.',
        resolve: objectsOf,
      }),
      dateAddedFirst,
      dateAddedLast,
    };
  },
});

const ManifestRecordRef = builder.objectRef<PageItem>('TaxiiManifestRecord').implement({
  fields: (t) => ({
    id: t.string({ resolve: stixIdOf }),
    dateAdded: t.string({ resolve: dateAdded }),
    version: t.string({ description: 'The object’s `modified`.', resolve: (item) => isoTimestamp(item.row.updatedAt) }),
    mediaType: t.string({ resolve: () => STIX_MEDIA_TYPE }),
  }),
});

const ManifestRef = builder.objectRef<Page>('TaxiiManifest').implement({
  description: 'One page of a collection’s manifest: what each object is, without the object.',
  fields: (t) => {
    const { more, next, dateAddedFirst, dateAddedLast } = pagedFields(t);
    return {
      more,
      next,
      objects: t.field({ type: [ManifestRecordRef], resolve: (page) => page.items }),
      dateAddedFirst,
      dateAddedLast,
    };
  },
});

const VersionsRef = builder.objectRef<Page>('TaxiiVersions').implement({
  description: 'The versions of one object (each object has one: its `modified`).',
  fields: (t) => {
    const { more, next, dateAddedFirst, dateAddedLast } = pagedFields(t);
    return {
      more,
      next,
      versions: t.stringList({ resolve: (page) => page.items.map((item) => isoTimestamp(item.row.updatedAt)) }),
      dateAddedFirst,
      dateAddedLast,
    };
  },
});

/** The filters TAXII defines, by their GraphQL names (`added_after` is `addedAfter`, `match[id]` is `matchId`). */
const filterArgs = (arg: ArgBuilder<Types>) => ({
  addedAfter: arg({ type: 'DateTime', description: 'Only objects added (last changed) strictly after this time.' }),
  limit: arg.int({
    defaultValue: DEFAULT_LIMIT,
    description: `Objects per page; more than ${MAX_LIMIT} reads as ${MAX_LIMIT}.`,
  }),
  next: arg.string({ description: 'The `next` of the page before.' }),
  matchVersion: arg.stringList({
    description: '`first`, `last`, `all` or timestamps (comma-separated values accepted).',
  }),
  matchSpecVersion: arg.stringList({ description: 'STIX versions; every object is 2.1.' }),
});

/** A list's filters (objects, manifest): the common ones, and by type and id. */
const listArgs = (arg: ArgBuilder<Types>) => ({
  ...filterArgs(arg),
  matchType: arg.stringList({
    description: 'STIX types: `indicator`, and `sighting` in the workspace’s own collection.',
  }),
  matchId: arg.stringList({ description: 'STIX ids.' }),
});

const pageOf = (context: Context, collection: TaxiiCollection, args: PageArgs) =>
  readPage(context.db, context.principal, collection, args, context.changes.settleMs);

/** One object's page, or null when the collection has no object of that id at all (404). */
async function objectPage(
  context: Context,
  collection: TaxiiCollection,
  id: string,
  args: PageArgs,
): Promise<Page | null> {
  let kind: string;
  try {
    kind = stixIdParts(id, 'id').type;
  } catch {
    return null;
  }
  if (!(kindsOf(collection) as readonly string[]).includes(kind)) return null;
  const page = await pageOf(context, collection, { ...args, matchId: [id] });
  if (page.items.length > 0) return page;
  const exists = await pageOf(context, collection, { matchId: [id], limit: 1 });
  return exists.items.length > 0 ? page : null;
}

const CollectionRef = builder.objectRef<TaxiiCollection>('TaxiiCollection').implement({
  description: 'A TAXII 2.1 collection: the shared feed, or the workspace’s own IOCs.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    description: t.exposeString('description'),
    canRead: t.exposeBoolean('canRead', { description: 'True when the key has iocs:read.' }),
    canWrite: t.exposeBoolean('canWrite', {
      description: 'True for the workspace’s own collection and a key with iocs:write.',
    }),
    mediaTypes: t.exposeStringList('mediaTypes'),
    objects: t.field({
      type: EnvelopeRef,
      authScopes: { permission: 'iocs:read' },
      args: listArgs(t.arg),
      resolve: (collection, args, context) => pageOf(context, collection, args),
    }),
    manifest: t.field({
      type: ManifestRef,
      authScopes: { permission: 'iocs:read' },
      args: listArgs(t.arg),
      resolve: (collection, args, context) => pageOf(context, collection, args),
    }),
    object: t.field({
      type: EnvelopeRef,
      nullable: true,
      description: 'One object by its STIX id; null when the collection has none of that id.',
      authScopes: { permission: 'iocs:read' },
      args: { id: t.arg.string({ required: true }), ...filterArgs(t.arg) },
      resolve: (collection, { id, ...args }, context) => objectPage(context, collection, id, args),
    }),
    versions: t.field({
      type: VersionsRef,
      nullable: true,
      description: 'The versions of one object; null when the collection has none of that id.',
      authScopes: { permission: 'iocs:read' },
      args: { id: t.arg.string({ required: true }), ...filterArgs(t.arg) },
      resolve: (collection, { id, ...args }, context) =>
        objectPage(context, collection, id, { ...args, matchVersion: ['all'] }),
    }),
  }),
});

const StatusDetailRef = builder.objectRef<StatusDetail>('TaxiiStatusDetail').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    version: t.exposeString('version'),
    message: t.string({ nullable: true, resolve: (detail) => detail.message ?? null }),
  }),
});

const StatusRef = builder.objectRef<StatusRow>('TaxiiStatus').implement({
  description: 'What became of the objects of one envelope added to a collection.',
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.string({
      description: 'Always `complete`: an envelope is stored before the answer.',
      resolve: () => 'complete',
    }),
    requestTimestamp: t.string({ resolve: (status) => taxiiTimestamp(status.requestTimestamp) }),
    totalCount: t.exposeInt('totalCount'),
    successCount: t.exposeInt('successCount'),
    successes: t.field({
      type: [StatusDetailRef],
      description: `The first objects stored (at most ${MAX_LISTED_DETAILS}, and never more than the envelope took).`,
      resolve: (status) => status.successes,
    }),
    failureCount: t.exposeInt('failureCount'),
    failures: t.field({
      type: [StatusDetailRef],
      description: `The first objects not kept, each with why (at most ${MAX_LISTED_DETAILS}, and never more than the envelope took).`,
      resolve: (status) => status.failures,
    }),
    pendingCount: t.int({ resolve: () => 0 }),
  }),
});

builder.queryFields((t) => ({
  taxiiApiRoot: t.field({
    type: ApiRootRef,
    description: 'The TAXII 2.1 API root.',
    resolve: () => ({}),
  }),
  taxiiCollections: t.field({
    type: [CollectionRef],
    description: 'The TAXII collections the key sees: the shared feed and the workspace’s own.',
    resolve: (_root, _args, { principal }) => collectionsOf(principal),
  }),
  taxiiCollection: t.field({
    type: CollectionRef,
    nullable: true,
    description: 'One TAXII collection by id; null for any other id (another workspace’s included).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { principal }) => findCollection(principal, String(id)),
  }),
  taxiiStatus: t.field({
    type: StatusRef,
    nullable: true,
    description: 'The status of an envelope the workspace added, for a week; null for another workspace’s.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, principal }) =>
      findStatus(db, principal.workspace.id, requireUuid(String(id), 'id')),
  }),
}));

builder.mutationField('addTaxiiObjects', (t) =>
  t.field({
    type: StatusRef,
    description: `Adds the indicators and cyber-observables of 1 to ${MAX_ENVELOPE_OBJECTS} STIX objects to the workspace’s own collection (as \`import --format stix\` reads them), all at once, and records its \`sighting\` objects as the workspace’s sightings; other objects are listed as failures, not kept.`,
    authScopes: { permission: 'iocs:write' },
    args: { collectionId: t.arg.id({ required: true }), objects: t.arg({ type: ['StixObject'], required: true }) },
    resolve: async (_root, { collectionId, objects }, { db, principal, openAnswers, requestId, signal }) => {
      const collection = findCollection(principal, String(collectionId));
      if (!collection) throw new ApiError('not_found');
      if (collection.holds !== 'own')
        throw forbidden('the shared feed is read-only: add objects to the workspace’s own collection.', {
          reason: 'read_only',
        });
      if (objects.length === 0 || objects.length > MAX_ENVELOPE_OBJECTS)
        throw invalidParameter('objects', `must hold 1 to ${MAX_ENVELOPE_OBJECTS} objects.`);
      const release = openAnswers.openEnvelope(principal, requestId, signal);
      try {
        return await addObjects(db, principal.workspace.id, objects);
      } finally {
        release();
      }
    },
  }),
);
