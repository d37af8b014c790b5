/**
 * Webhook endpoints and their delivery log over GraphQL (docs/api.md §10): read behind
 * `webhooks:read`, changed behind `webhooks:write`, confined to the caller's workspace. A secret
 * is returned once, by the call that makes it (create, rotate), and never again.
 */
import { sql } from 'drizzle-orm';
import { ApiError, forbidden, invalidParameter, missingParameter } from '../core/errors.js';
import { builder } from '../graphql/builder.js';
import { DeliveryStatusEnum } from '../graphql/enums.js';
import { PG_TIMESTAMP_PATTERN } from '../core/cursors.js';
import { connectionType, pageArgs, paginate } from '../graphql/connections.js';
import type { Context } from '../graphql/context.js';
import { requireUuid, UUID_PATTERN } from '../core/ids.js';
import { normalizeText } from '../core/normalize.js';
import { READ_PERMISSION } from '../alerts/records.js';
import type { Permission } from '../core/permissions.js';
import { ALERT_KINDS, type AlertKind } from '../core/vocabulary.js';
import * as repository from './repository.js';
import type { AttemptRow, DeliveryRow, EndpointRow } from './repository.js';
import { newSigningSecret } from './secrets.js';
import { reachableUrl, UrlRefused } from '../http/urlPolicy.js';

/** How long the previous secret keeps signing after a rotation. */
export const ROTATION_OVERLAP_HOURS = 24;
const MAX_DESCRIPTION = 500;
const MAX_URL = 2048;

const EndpointRef = builder.objectRef<EndpointRow>('WebhookEndpoint').implement({
  description: 'Where the workspace’s alerts are POSTed, signed per Standard Webhooks. Never shows its secret.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description', { nullable: true }),
    enabled: t.exposeBoolean('enabled'),
    disabledReason: t.exposeString('disabledReason', {
      nullable: true,
      description: 'Why the server turned it off (the receiver answered 410), or null.',
    }),
    previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Until then, after a rotation, the previous secret signs too.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const EndpointWithSecretRef = builder
  .objectRef<{ endpoint: EndpointRow; secret: string }>('WebhookEndpointWithSecret')
  .implement({
    fields: (t) => ({
      endpoint: t.field({ type: EndpointRef, resolve: (made) => made.endpoint }),
      secret: t.exposeString('secret', { description: '`whsec_…`: shown this once; verify signatures with it.' }),
    }),
  });

const AttemptRef = builder.objectRef<AttemptRow>('WebhookAttempt').implement({
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    status: t.exposeInt('status', {
      nullable: true,
      description: 'The receiver’s HTTP status, or null when there was none.',
    }),
    error: t.exposeString('error', { nullable: true }),
    durationMs: t.exposeInt('durationMs'),
  }),
});

type DeliveryShape = DeliveryRow & { attempts: AttemptRow[] };

const DeliveryRef = builder.objectRef<DeliveryShape>('WebhookDelivery').implement({
  description: 'One alert sent to one endpoint; its id is the `webhook-id` header of every attempt.',
  fields: (t) => ({
    id: t.exposeID('id'),
    endpointId: t.exposeID('endpointId'),
    alertId: t.exposeID('alertId'),
    status: t.field({ type: DeliveryStatusEnum, resolve: (delivery) => delivery.status }),
    attemptCount: t.exposeInt('attemptCount'),
    nextAttemptAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it is tried next, while pending.',
      resolve: (delivery) => (delivery.status === 'pending' ? delivery.nextAttemptAt : null),
    }),
    attempts: t.field({ type: [AttemptRef], resolve: (delivery) => delivery.attempts }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const DeliveryConnectionRef = connectionType('WebhookDelivery', DeliveryRef);

const CreateInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({ url: t.string({ required: true }), description: t.string() }),
});
const UpdateInput = builder.inputType('UpdateWebhookEndpointInput', {
  fields: (t) => ({ url: t.string(), description: t.string(), enabled: t.boolean() }),
});

/**
 * A key that sends deliveries somewhere new or again must be able to read what they carry
 * (docs/api.md §10): redirecting or enabling an endpoint needs the read permission of every kind of
 * record an alert can hold; a retry, the one of its alert's kind. Otherwise a key with only
 * `webhooks:write` could point the workspace's leak alerts at itself.
 */
function requireReaders(principal: Context['principal'], kinds: readonly AlertKind[], action: string): void {
  const missing = [...new Set(kinds.map((kind) => READ_PERMISSION[kind]))].filter(
    (permission): permission is Permission => permission !== null && !principal.key.permissions.includes(permission),
  );
  if (missing.length > 0)
    throw forbidden(
      `${action} needs ${missing.join(' and ')} besides webhooks:write: deliveries carry what those permissions read.`,
      { reason: 'missing_permission', permission: missing.join(',') },
    );
}
const EVERY_KIND: readonly AlertKind[] = ALERT_KINDS;

const notFound = () => new ApiError('not_found', 'No webhook endpoint with this id in the workspace.');

/** The URL, its form and every address of its host checked against the policy; or `invalid_parameter` naming `url`. */
async function checkedUrl(context: Context, raw: string): Promise<string> {
  if (raw.trim() === '') throw missingParameter('url');
  if (raw.length > MAX_URL) throw invalidParameter('url', `must be at most ${MAX_URL} characters.`);
  try {
    return (await reachableUrl(raw.trim(), context.webhooks.policy)).url.toString();
  } catch (error) {
    if (error instanceof UrlRefused) throw invalidParameter('url', error.message);
    throw error;
  }
}

function checkedDescription(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const clean = normalizeText(raw, MAX_DESCRIPTION);
  if (clean === null) throw invalidParameter('description', `must be at most ${MAX_DESCRIPTION} characters of text.`);
  return clean;
}

async function withAttempts(db: Context['db'], rows: readonly DeliveryRow[]): Promise<DeliveryShape[]> {
  const attempts = await repository.attemptsOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => ({ ...row, attempts: attempts.get(row.id) ?? [] }));
}

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [EndpointRef],
    description: `The workspace’s webhook endpoints (at most ${repository.MAX_ENDPOINTS}), oldest first.`,
    authScopes: { permission: 'webhooks:read' },
    resolve: (_root, _args, { db, principal }) => repository.listEndpoints(db, principal.workspace.id),
  }),
  webhookDeliveries: t.field({
    type: DeliveryConnectionRef,
    description: 'An endpoint’s deliveries, newest first, each with every attempt.',
    authScopes: { permission: 'webhooks:read' },
    args: { endpointId: t.arg.id({ required: true }), ...pageArgs(t.arg) },
    resolve: async (_root, args, { db, principal }) => {
      const endpoint = await repository.findEndpoint(
        db,
        principal.workspace.id,
        requireUuid(String(args.endpointId), 'endpointId'),
      );
      if (!endpoint) throw notFound();
      const page = await paginate<DeliveryRow>(
        args,
        (limit, after) =>
          repository.listDeliveries(db, principal.workspace.id, endpoint.id, limit, after as [string, string] | null),
        { parts: [PG_TIMESTAMP_PATTERN, UUID_PATTERN], of: (row) => [row.createdAt, row.id] },
      );
      const shaped = await withAttempts(
        db,
        page.edges.map((edge) => edge.node),
      );
      return { ...page, edges: page.edges.map((edge, i) => ({ ...edge, node: shaped[i]! })) };
    },
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: EndpointWithSecretRef,
    description: `Adds an endpoint (https, public addresses only); the answer holds its signing secret, this once. At most ${repository.MAX_ENDPOINTS} per workspace.`,
    authScopes: { permission: 'webhooks:write' },
    args: { input: t.arg({ type: CreateInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      requireReaders(context.principal, EVERY_KIND, 'creating an endpoint');
      const url = await checkedUrl(context, input.url);
      const description = checkedDescription(input.description);
      const secret = newSigningSecret();
      const made = await repository.insertEndpoint(context.db, context.principal.workspace.id, {
        url,
        description,
        secret: context.webhooks.secrets.seal(secret),
      });
      if (made === 'limit')
        throw forbidden(`a workspace has at most ${repository.MAX_ENDPOINTS} webhook endpoints; delete one first.`, {
          reason: 'limit',
        });
      return { endpoint: made, secret };
    },
  }),
  updateWebhookEndpoint: t.field({
    type: EndpointRef,
    description:
      'Changes the URL or description, or turns the endpoint on or off (turning it on clears why it was off).',
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) },
    resolve: async (_root, { id, input }, context) => {
      const changes: Parameters<typeof repository.updateEndpoint>[3] = {};
      if ((input.url !== null && input.url !== undefined) || input.enabled === true)
        requireReaders(context.principal, EVERY_KIND, 'changing an endpoint’s URL or enabling it');
      if (input.url !== null && input.url !== undefined) changes.url = await checkedUrl(context, input.url);
      if (input.description !== undefined) changes.description = checkedDescription(input.description);
      if (input.enabled !== null && input.enabled !== undefined) {
        changes.enabled = input.enabled;
        if (input.enabled) changes.disabledReason = null;
      }
      const row = await repository.updateEndpoint(
        context.db,
        context.principal.workspace.id,
        requireUuid(String(id), 'id'),
        changes,
      );
      if (!row) throw notFound();
      return row;
    },
  }),
  deleteWebhookEndpoint: t.boolean({
    description: 'Deletes an endpoint and its delivery log.',
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      if (!(await repository.deleteEndpoint(db, principal.workspace.id, requireUuid(String(id), 'id'))))
        throw notFound();
      return true;
    },
  }),
  rotateWebhookSecret: t.field({
    type: EndpointWithSecretRef,
    description: `A new signing secret, shown this once; the previous one keeps signing alongside for ${ROTATION_OVERLAP_HOURS} hours.`,
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, context) => {
      const endpoint = await repository.findEndpoint(
        context.db,
        context.principal.workspace.id,
        requireUuid(String(id), 'id'),
      );
      if (!endpoint) throw notFound();
      const secret = newSigningSecret();
      const row = await repository.updateEndpoint(context.db, context.principal.workspace.id, endpoint.id, {
        secret: context.webhooks.secrets.seal(secret),
        previousSecret: endpoint.secret,
        previousSecretExpiresAt: sql`now() + make_interval(hours => ${ROTATION_OVERLAP_HOURS})`,
      });
      if (!row) throw notFound();
      return { endpoint: row, secret };
    },
  }),
  retryWebhookDelivery: t.field({
    type: DeliveryRef,
    description: 'Sends a delivery again now, whatever its status; the same `webhook-id`.',
    authScopes: { permission: 'webhooks:write' },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db, principal }) => {
      const deliveryId = requireUuid(String(id), 'id');
      const kind = await repository.deliveryAlertKind(db, principal.workspace.id, deliveryId);
      if (kind) requireReaders(principal, [kind], 'retrying this delivery');
      const row =
        kind === undefined ? undefined : await repository.retryDelivery(db, principal.workspace.id, deliveryId);
      if (!row) throw new ApiError('not_found', 'No webhook delivery with this id in the workspace.');
      return (await withAttempts(db, [row]))[0]!;
    },
  }),
}));
