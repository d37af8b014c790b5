/**
 * API keys over GraphQL (docs/api.md §2, §7): `apiKeys` and `auditEvents` behind `keys:read`;
 * `createApiKey`, `rotateApiKey` and `revokeApiKey` behind `keys:write`. A secret appears in one
 * place only: the `CreatedApiKey` a create or rotate returns.
 */
import { DEFAULT_KEY_PERMISSIONS } from '../core/permissions.js';
import { displayPrefix } from '../auth/keyFormat.js';
import { invalidParameter } from '../core/errors.js';
import { builder } from '../graphql/builder.js';
import { ApiKeyStatusEnum, PermissionEnum } from '../graphql/enums.js';
import { PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { connectionType, pageArgs, paginate } from '../graphql/connections.js';
import { requireUuid, UUID_PATTERN } from '../core/ids.js';
import type { Context } from '../graphql/context.js';
import { requestActor } from './audit.js';
import { keyStatus } from '../auth/keyState.js';
import { listApiKeys, listAuditEvents, type ApiKeyShape, type AuditEventRow } from './repository.js';
import { createApiKey, MAX_GRACE_SECONDS, revokeApiKey, rotateApiKey, type Grantor } from './service.js';

/** Keys older than this report `rotationDue` (docs/api.md §2; the seeds advise rotating every 60–90 days). */
const ROTATION_DUE_AFTER_MS = 90 * 24 * 60 * 60 * 1000;
const DEFAULT_GRACE_SECONDS = 24 * 3600;

export { PermissionEnum };

export const ApiKeyRef = builder.objectRef<ApiKeyShape>('ApiKey').implement({
  description: 'An API key of the workspace. Its secret is never shown again after creation.',
  fields: (t) => ({
    id: t.exposeID('id'),
    prefix: t.string({
      description: 'The public start of the key, safe to show and log: `sk_live_AbCdEf123456`.',
      resolve: (key) => displayPrefix(key.prefix),
    }),
    name: t.exposeString('name'),
    permissions: t.field({ type: [PermissionEnum], resolve: (key) => key.permissions }),
    status: t.field({ type: ApiKeyStatusEnum, resolve: (key) => keyStatus(key) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Kept to the minute.' }),
    rotatedFromId: t.exposeID('rotatedFromId', { nullable: true, description: 'The key this one replaced.' }),
    rotationDue: t.boolean({
      description: 'True when the key is older than 90 days and should be rotated.',
      resolve: (key) => Date.now() - Date.parse(key.createdAt) > ROTATION_DUE_AFTER_MS,
    }),
  }),
});

const CreatedApiKeyRef = builder.objectRef<{ apiKey: ApiKeyShape; secret: string }>('CreatedApiKey').implement({
  description: 'The only place a secret ever appears: copy it now, it is not shown again.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, resolve: (created) => created.apiKey }),
    secret: t.exposeString('secret'),
  }),
});

const AuditEventRef = builder.objectRef<AuditEventRow>('AuditEvent').implement({
  description:
    'One key-management action (who: a key prefix, or null for the admin command line; what; when), or the server pausing a webhook endpoint.',
  fields: (t) => ({
    id: t.exposeID('id'),
    action: t.exposeString('action', {
      description:
        '`api_key.created`, `api_key.rotated` or `api_key.revoked`; or `webhook.paused`, when the server paused an endpoint whose backlog of deliveries was full (see webhookEndpointId).',
    }),
    actorKeyPrefix: t.string({
      nullable: true,
      resolve: (e) => (e.actorKeyPrefix === null ? null : displayPrefix(e.actorKeyPrefix)),
    }),
    actor: t.string({
      description:
        '`key` (see actorKeyPrefix), `command line`, `server setup` (the demo key made at the first start), or `server` (a paused webhook endpoint).',
      resolve: (e) => {
        if (e.actorKeyPrefix !== null) return 'key';
        const via = (e.details as { via?: string } | null)?.via;
        return via === 'server setup' || via === 'server' ? via : 'command line';
      },
    }),
    webhookEndpointId: t.id({
      nullable: true,
      description: 'The endpoint a `webhook.paused` event is about.',
      resolve: (e) => (e.details as { endpoint_id?: string } | null)?.endpoint_id ?? null,
    }),
    targetKeyId: t.exposeID('targetKeyId', { nullable: true }),
    targetKeyPrefix: t.string({
      nullable: true,
      resolve: (e) => (e.targetKeyPrefix === null ? null : displayPrefix(e.targetKeyPrefix)),
    }),
    requestId: t.exposeString('requestId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const AuditEventConnectionRef = connectionType('AuditEvent', AuditEventRef);

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    permissions: t.field({
      type: [PermissionEnum],
      description:
        'Default: IOCS_READ, WATCHLISTS_READ, DATALEAKS_READ (those the caller holds). Never more than the caller holds.',
    }),
    expiresInDays: t.int({ description: '1 to 3650; no expiry when left out.' }),
  }),
});

const grantorOf = ({ principal }: Context): Grantor => ({
  permissions: principal.key.permissions,
  expiresAt: principal.key.expiresAt,
});

builder.queryFields((t) => ({
  apiKeys: t.field({
    type: [ApiKeyRef],
    description: 'Every key of the workspace, newest first, with its status. Never a secret.',
    authScopes: { permission: 'keys:read' },
    resolve: (_root, _args, { db, principal }) => listApiKeys(db, principal.workspace.id),
  }),
  auditEvents: t.field({
    type: AuditEventConnectionRef,
    description: 'Key-management actions of the workspace, newest first.',
    authScopes: { permission: 'keys:read' },
    args: pageArgs(t.arg),
    resolve: (_root, args, { db, principal }) =>
      paginate(
        args,
        (limit, after) => listAuditEvents(db, principal.workspace.id, limit, after as [string, string] | null),
        { parts: [PG_TIMESTAMP_PATTERN, UUID_PATTERN], of: (e) => [e.createdAt, e.id] },
      ),
  }),
}));

builder.mutationFields((t) => ({
  createApiKey: t.field({
    type: CreatedApiKeyRef,
    authScopes: { permission: 'keys:write' },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const held = context.principal.key.permissions;
      return createApiKey(context.db, {
        workspaceId: context.principal.workspace.id,
        name: input.name,
        // The default is read access to the threat data, cut down to what the caller holds.
        permissions: input.permissions ?? DEFAULT_KEY_PERMISSIONS.filter((p) => held.includes(p)),
        expiresInDays: input.expiresInDays,
        grantor: grantorOf(context),
        actor: requestActor(context),
      });
    },
  }),
  rotateApiKey: t.field({
    type: CreatedApiKeyRef,
    description: `Replaces a key by a new one with the same name and permissions; the old one lives on for the grace period (0 to ${MAX_GRACE_SECONDS} seconds, never past its own expiry).`,
    authScopes: { permission: 'keys:write' },
    args: {
      id: t.arg.id({ required: true }),
      gracePeriodSeconds: t.arg.int({ defaultValue: DEFAULT_GRACE_SECONDS }),
    },
    resolve: (_root, args, context) => {
      if (args.gracePeriodSeconds === null || args.gracePeriodSeconds === undefined) {
        throw invalidParameter('gracePeriodSeconds', 'must be a whole number of seconds.');
      }
      return rotateApiKey(context.db, {
        id: requireUuid(String(args.id), 'id'),
        workspaceId: context.principal.workspace.id,
        gracePeriodSeconds: args.gracePeriodSeconds,
        grantor: grantorOf(context),
        actor: requestActor(context),
      });
    },
  }),
  revokeApiKey: t.field({
    type: ApiKeyRef,
    description: 'Revokes a key at once on every server, for good. A key may revoke itself.',
    authScopes: { permission: 'keys:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      revokeApiKey(context.db, {
        id: String(id),
        workspaceId: context.principal.workspace.id,
        actor: requestActor(context),
      }),
  }),
}));
