/**
 * Exclusion lists over GraphQL (docs/api.md §13): `exclusionLists` and `exclusionList(id)` behind
 * `iocs:read`; `createExclusionList`, `updateExclusionList`, `deleteExclusionList` behind
 * `iocs:write`. REST's `/api/v1/exclusions` routes run these operations (src/rest/routes.ts).
 */
import { requireUuid } from '../core/ids.js';
import { builder } from '../graphql/builder.js';
import {
  createExclusionList,
  deleteExclusionList,
  findExclusionList,
  listExclusionLists,
  updateExclusionList,
  type ExclusionList,
  type ExclusionListWithEntries,
} from './exclusions.js';

const ExclusionListRef = builder
  .objectRef<ExclusionList & Partial<Pick<ExclusionListWithEntries, 'entries'>>>('ExclusionList')
  .implement({
    description:
      'A list of values, CIDR ranges and domain suffixes: the workspace’s own hide what they cover from its listings, exports and alerts; the shared feed’s keep what they cover out of the feed.',
    fields: (t) => ({
      id: t.exposeID('id'),
      name: t.exposeString('name'),
      shared: t.exposeBoolean('shared', {
        description: 'The shared feed’s list (built in, or an operator’s): read-only to workspaces.',
      }),
      entryCount: t.exposeInt('entryCount'),
      entries: t.field({
        type: ['String'],
        nullable: true,
        description:
          'Values, CIDR ranges and `.`-prefixed domain suffixes, the oldest first (those added together by value); null in the listing of every list (read one list for its entries).',
        resolve: (list) => list.entries ?? null,
      }),
      createdAt: t.expose('createdAt', { type: 'DateTime' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    }),
  });

builder.queryFields((t) => ({
  exclusionLists: t.field({
    type: [ExclusionListRef],
    description: 'The workspace’s exclusion lists, then the shared feed’s, each by name, with their entry counts.',
    authScopes: { permission: 'iocs:read' },
    resolve: (_root, _args, { db, principal }) => listExclusionLists(db, principal.workspace.id),
  }),
  exclusionList: t.field({
    type: ExclusionListRef,
    nullable: true,
    description: 'One exclusion list with its entries; null when the workspace can read none with this id.',
    authScopes: { permission: 'iocs:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) =>
      (await findExclusionList(db, principal.workspace.id, requireUuid(String(id), 'id'))) ?? null,
  }),
}));

builder.mutationFields((t) => ({
  createExclusionList: t.field({
    type: ExclusionListRef,
    description:
      'Makes one of the workspace’s exclusion lists. An entry starting with `.` is a domain suffix, one with `/` a CIDR range, anything else an exact value. At most 100 lists and 100,000 entries per workspace.',
    authScopes: { permission: 'iocs:write' },
    args: {
      name: t.arg.string({ required: true }),
      entries: t.arg.stringList({ required: false }),
    },
    resolve: (_root, args, { db, principal }) => createExclusionList(db, principal.workspace.id, args),
  }),
  updateExclusionList: t.field({
    type: ExclusionListRef,
    description: 'Renames one of the workspace’s lists, adds entries to it and removes entries from it, at once.',
    authScopes: { permission: 'iocs:write' },
    args: {
      id: t.arg.id({ required: true }),
      name: t.arg.string(),
      add: t.arg.stringList(),
      remove: t.arg.stringList(),
    },
    resolve: (_root, { id, ...change }, { db, principal }) =>
      updateExclusionList(db, principal.workspace.id, requireUuid(String(id), 'id'), change),
  }),
  deleteExclusionList: t.boolean({
    description: 'Deletes one of the workspace’s lists; the shared feed’s are read-only.',
    authScopes: { permission: 'iocs:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      await deleteExclusionList(db, principal.workspace.id, requireUuid(String(id), 'id'));
      return true;
    },
  }),
}));
