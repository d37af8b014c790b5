/** IOCs over GraphQL (docs/api.md §6–§7): `iocs`, `ioc(id)` and `iocLookup(values)`, behind `iocs:read`. */
import { rootOf } from '../db/cancellation.js';
import { ApiError, forbidden, invalidParameter } from '../core/errors.js';
import { builder } from '../graphql/builder.js';
import { PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { connectionType, pageArgs, paginate } from '../graphql/connections.js';
import { requireUuid, UUID_PATTERN } from '../core/ids.js';
import { detectIoc, normalizeText } from '../core/normalize.js';
import { IocStatusEnum, IocTypeEnum, SeverityEnum, TlpEnum } from '../graphql/enums.js';
import { recordFields } from '../graphql/records.js';
import { IOC_TYPES, SEVERITIES, TLPS, type IocStatusFilter, type IocType } from '../core/vocabulary.js';
import { IocChangeFeed, type IocChange } from './changes.js';
import {
  countIocs,
  countIocsByType,
  findIoc,
  findIocsByValue,
  listIocs,
  revokeOwnIoc,
  type IocFilters,
  type IocRow,
  type IocTypeCount,
} from './repository.js';
import { MAX_SUBMITTED_IOCS, submitIocs, type SubmitResult } from './submit.js';
import { MAX_SIGHTING_COUNT, MAX_SIGHTINGS, reportSightings, type SightingReport } from './sightings.js';
import type { FieldKind } from '../core/records.js';
import { INPUT_FIELDS, IOC_FIELDS, type RawIoc } from './record.js';

export { IocTypeEnum, SeverityEnum, TlpEnum };

/** The IOC type: every shown field of the record, in its order. */
export const IocRef = builder.objectRef<IocRow>('Ioc').implement({
  description: 'An indicator of compromise, from the shared feed or the workspace’s own submissions.',
  fields: (t) => recordFields(t, IOC_FIELDS),
});

const IocConnectionRef = connectionType('Ioc', IocRef, { totalCount: true });

const MAX_LOOKUP_VALUES = 1000;
const MAX_TAG_LENGTH = 100;
const MAX_PREFIX_LENGTH = 512;

function checkedFilters(args: {
  type?: IocType | null;
  q?: string | null;
  updatedSince?: string | null;
  minConfidence?: number | null;
  tag?: string | null;
  status?: IocStatusFilter | null;
  minScore?: number | null;
}): IocFilters {
  const { type, q, minConfidence, tag, minScore } = args;
  for (const [name, value] of [
    ['minConfidence', minConfidence],
    ['minScore', minScore],
  ] as const)
    if (value !== null && value !== undefined && (value < 0 || value > 100))
      throw invalidParameter(name, 'must be from 0 to 100.');
  const text = (name: string, value: string | null | undefined, max: number) => {
    if (value === null || value === undefined) return null;
    const clean = normalizeText(value, max);
    if (clean === null) throw invalidParameter(name, `must be 1 to ${max} characters of text.`);
    return clean;
  };
  const prefix = text('q', q, MAX_PREFIX_LENGTH);
  return {
    type,
    // Values are stored in canonical form: lower case for every type but URLs (whose paths keep their case).
    valuePrefix: prefix !== null && type !== 'url' ? prefix.toLowerCase() : prefix,
    updatedSince: args.updatedSince,
    minConfidence,
    tag: text('tag', tag, MAX_TAG_LENGTH),
    status: args.status ?? 'active',
    minScore,
  };
}

builder.queryFields((t) => ({
  iocs: t.field({
    type: IocConnectionRef,
    description: 'IOCs visible to the workspace, newest update first; active ones unless `status` says otherwise.',
    authScopes: { permission: 'iocs:read' },
    args: {
      type: t.arg({ type: IocTypeEnum }),
      q: t.arg.string({ description: 'Value prefix.' }),
      updatedSince: t.arg({ type: 'DateTime' }),
      minConfidence: t.arg.int(),
      tag: t.arg.string(),
      status: t.arg({ type: IocStatusEnum, description: 'ACTIVE when left out; ANY for every status.' }),
      minScore: t.arg.int({ description: 'Lowest score, 0 to 100.' }),
      ...pageArgs(t.arg),
    },
    resolve: (_root, args, { db, principal }) => {
      const filters = checkedFilters(args);
      const workspaceId = principal.workspace.id;
      return paginate(
        args,
        (limit, cursor) =>
          listIocs(db, workspaceId, filters, limit, cursor ? { updatedAt: cursor[0]!, id: cursor[1]! } : null),
        { parts: [PG_TIMESTAMP_PATTERN, UUID_PATTERN], of: (ioc) => [ioc.updatedAt, ioc.id] },
        () => countIocs(db, workspaceId, filters),
      );
    },
  }),
  ioc: t.field({
    type: IocRef,
    nullable: true,
    description: 'One IOC by id; null when it does not exist or is not visible to the workspace.',
    authScopes: { permission: 'iocs:read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, { db, principal }) =>
      findIoc(db, principal.workspace.id, requireUuid(String(id), 'id')).then((row) => row ?? null),
  }),
  iocLookup: t.field({
    type: [IocRef],
    nullable: { list: false, items: true },
    description:
      'Looks up 1 to 1000 values of any type, defanged or not; one result per value, in order, null where unknown. Expired and revoked IOCs are found too, with their status.',
    authScopes: { permission: 'iocs:read' },
    args: { values: t.arg.stringList({ required: true }) },
    resolve: async (_root, { values }, { db, principal }) => {
      if (values.length === 0 || values.length > MAX_LOOKUP_VALUES) {
        throw invalidParameter('values', `must hold 1 to ${MAX_LOOKUP_VALUES} values.`);
      }
      const detected = values.map((value) => detectIoc(value));
      const wanted = detected.filter((d) => d !== null);
      const found = await findIocsByValue(db, principal.workspace.id, wanted);
      return detected.map((d) => (d ? (found.get(d.value) ?? null) : null));
    },
  }),
}));

const IocChangeRef = builder.objectRef<IocChange>('IocChange').implement({
  description: 'An IOC that was added or changed.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass as `after` to resume the subscription after this change.' }),
    ioc: t.field({ type: IocRef, resolve: (change) => change.ioc }),
  }),
});

builder.subscriptionFields((t) => ({
  iocChanged: t.field({
    type: IocChangeRef,
    description:
      'IOCs of the shared feed and the workspace’s own as they are added or changed, oldest first, of one type or all. ' +
      'From now on, or after the change whose `cursor` is `after` (nothing missed, nothing repeated).',
    authScopes: { permission: 'iocs:read' },
    args: { type: t.arg({ type: IocTypeEnum }), after: t.arg.string() },
    subscribe: (_root, args, { changes, principal, openAnswers, signal }) => {
      const after = args.after ? IocChangeFeed.parseCursor(args.after, 'after') : null;
      // Counted from here (429 beyond the caller's share), given back when the stream ends or its client goes.
      const release = openAnswers.openStream(principal, signal);
      return changes.changes(principal, args.type ?? null, after, signal, release);
    },
    resolve: (change) => change,
  }),
}));

/** How a submission gives each kind of field: enumerations and times as text, checked as an import checks them. */
const INPUT_TYPES = { int: 'Int', tags: ['String'], boolean: 'Boolean' } as const;
const spelled = (values: readonly string[]) => `${values.slice(0, -1).join(', ')} or ${values.at(-1)}.`;
const INPUT_DESCRIPTIONS: Partial<Record<FieldKind, string>> = {
  severity: spelled(SEVERITIES),
  tlp: spelled(TLPS),
  timestamp: 'ISO 8601.',
};

const IocInput = builder.inputType('IocInput', {
  description:
    'One submitted IOC: the value (defanged accepted) and, optionally, its type (detected when left out) and details.',
  fields: (t) => ({
    type: t.string({ description: `${spelled(IOC_TYPES).slice(0, -1)}; detected when left out.` }),
    value: t.string({ required: true }),
    ...Object.fromEntries(
      INPUT_FIELDS.map((field) => {
        const { kind } = IOC_FIELDS[field];
        const description = INPUT_DESCRIPTIONS[kind];
        const input = t.field.bind(t) as (options: object) => ReturnType<typeof t.string>;
        return [
          field,
          input({
            type: INPUT_TYPES[kind as keyof typeof INPUT_TYPES] ?? 'String',
            ...(description ? { description } : {}),
          }),
        ];
      }),
    ),
  }),
});

const SubmitRejectionRef = builder.objectRef<{ index: number; reason: string }>('IocRejection').implement({
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Its place in the submitted list, from 0.' }),
    reason: t.exposeString('reason'),
  }),
});

const SubmitResultRef = builder.objectRef<SubmitResult>('SubmitIocsResult').implement({
  fields: (t) => ({
    created: t.exposeInt('created'),
    updated: t.exposeInt('updated'),
    rejected: t.field({ type: [SubmitRejectionRef], resolve: (result) => result.rejected }),
  }),
});

builder.mutationField('submitIocs', (t) =>
  t.field({
    type: SubmitResultRef,
    description: `Adds or updates 1 to ${MAX_SUBMITTED_IOCS} of the workspace’s own IOCs; each bad one is rejected with its index and the rest kept. They reach the event stream and watchlist alerts like any change.`,
    authScopes: { permission: 'iocs:write' },
    args: { iocs: t.arg({ type: [IocInput], required: true }) },
    resolve: (_root, { iocs }, { db, principal }) =>
      submitIocs(
        db,
        principal.workspace.id,
        // Only the fields given: a null is a field left out, as in an import.
        iocs.map(
          (ioc) =>
            Object.fromEntries(
              Object.entries(ioc).filter(([, value]) => value !== null && value !== undefined && value !== ''),
            ) as RawIoc,
        ),
      ),
  }),
);

builder.mutationField('revokeIoc', (t) =>
  t.boolean({
    description:
      'Revokes one of the workspace’s own IOCs: its status becomes REVOKED, a change that streams and TAXII polls see. The shared feed’s IOCs are read-only.',
    authScopes: { permission: 'iocs:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      const outcome = await revokeOwnIoc(db, principal.workspace.id, requireUuid(String(id), 'id'));
      if (outcome === 'shared') throw forbidden('the shared feed is read-only to workspaces.');
      if (outcome === 'unknown') throw new ApiError('not_found', 'No IOC of the workspace has this id.');
      return true;
    },
  }),
);

const IocTypeCountRef = builder.objectRef<IocTypeCount>('IocTypeCount').implement({
  fields: (t) => ({
    type: t.field({ type: IocTypeEnum, resolve: (row) => row.type }),
    count: t.exposeInt('count'),
    active: t.exposeInt('active', { description: 'Of them, how many are active now.' }),
    expired: t.int({
      description: 'Of them, how many have expired (and are not revoked).',
      resolve: (row) => row.count - row.active - row.revoked,
    }),
    revoked: t.exposeInt('revoked', { description: 'Of them, how many are revoked.' }),
  }),
});

/**
 * The shared feed's counts are the same for every workspace and cost a scan of the feed: each
 * process keeps them for a minute.
 */
const SHARED_COUNTS_FOR_MS = 60_000;
const sharedCounts = new WeakMap<object, { at: number; counts: Promise<IocTypeCount[]> }>();

builder.queryField('iocSummary', (t) =>
  t.field({
    type: builder.objectRef<{ workspaceId: string }>('IocSummary').implement({
      description: 'IOCs by type: the shared feed’s (counted at most a minute ago) and the workspace’s own.',
      fields: (f) => ({
        shared: f.field({
          type: [IocTypeCountRef],
          resolve: (_summary, _args, { db }) => {
            // One entry per database (the process's handle, whichever request asks).
            const database = rootOf(db);
            let kept = sharedCounts.get(database);
            if (!kept || Date.now() - kept.at > SHARED_COUNTS_FOR_MS) {
              kept = { at: Date.now(), counts: countIocsByType(db, null) };
              sharedCounts.set(database, kept);
              // A failed count is not kept.
              kept.counts.catch(() => sharedCounts.delete(database));
            }
            return kept.counts;
          },
        }),
        own: f.field({
          type: [IocTypeCountRef],
          resolve: ({ workspaceId }, _args, { db }) => countIocsByType(db, workspaceId),
        }),
      }),
    }),
    description: 'What the dashboard shows of the IOCs.',
    authScopes: { permission: 'iocs:read' },
    resolve: (_root, _args, { principal }) => ({ workspaceId: principal.workspace.id }),
  }),
);

const SightingInput = builder.inputType('SightingInput', {
  description: 'One sighting: a value (defanged accepted) the workspace saw, or judged benign with `falsePositive`.',
  fields: (t) => ({
    value: t.string({ required: true }),
    type: t.string({ description: 'Detected when left out, as a lookup does.' }),
    seenAt: t.string({ description: 'ISO 8601; now when left out. More than 5 minutes ahead is refused.' }),
    count: t.int({ description: `1 to ${MAX_SIGHTING_COUNT.toLocaleString('en')}; 1 when left out.` }),
    source: t.string({ description: 'The sensor or tool that saw it.' }),
    falsePositive: t.boolean({
      description:
        'A judgement instead of a sighting: true, the IOC is benign here (it leaves the workspace’s listings, exports and alerts); false takes that back.',
    }),
    reason: t.string({ description: 'Why, with `falsePositive`.' }),
  }),
});

const SightingUnknownRef = builder.objectRef<{ index: number; value: string }>('SightingUnknown').implement({
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Its place in the reported list, from 0.' }),
    value: t.exposeString('value', { description: 'As given.' }),
  }),
});

const SightingReportRef = builder.objectRef<SightingReport>('SightingReport').implement({
  fields: (t) => ({
    recorded: t.exposeInt('recorded', { description: 'Sightings and judgements recorded.' }),
    unknown: t.field({
      type: [SightingUnknownRef],
      description: 'Values no IOC visible to the workspace holds (nothing is created from a sighting).',
      resolve: (report) => report.unknown,
    }),
    rejected: t.field({ type: [SubmitRejectionRef], resolve: (report) => report.rejected }),
  }),
});

builder.mutationField('reportSightings', (t) =>
  t.field({
    type: SightingReportRef,
    description: `Reports 1 to ${MAX_SIGHTINGS} sightings of IOCs in the workspace’s own environment, or judgements that they are benign there.`,
    authScopes: { permission: 'iocs:write' },
    args: { sightings: t.arg({ type: [SightingInput], required: true }) },
    resolve: (_root, { sightings }, { db, principal }) => reportSightings(db, principal.workspace.id, sightings),
  }),
);
