/** The GraphQL face of API keys: the `ApiKey` type and the `Permission` enum. */
import { eq, getTableColumns } from 'drizzle-orm';
import { PERMISSIONS, type Permission } from '../auth/permissions.js';
import { displayPrefix } from '../auth/keyFormat.js';
import type { Db } from '../db/client.js';
import { apiKeys, type ApiKeyRow } from '../db/schema.js';
import { builder } from '../graphql/builder.js';

/** A key as the API shows it: everything but the hash. */
export type ApiKeyShape = Omit<ApiKeyRow, 'secretHash'>;

/** Keys older than this report `rotationDue` (API.md §2; the seeds advise rotating every 60–90 days). */
const ROTATION_DUE_AFTER_MS = 90 * 24 * 60 * 60 * 1000;

/** `iocs:read` <-> `IOCS_READ`: the GraphQL names of the permission values. */
const permissionName = (permission: Permission) => permission.replace(':', '_').toUpperCase();

export const PermissionEnum = builder.enumType('Permission', {
  description: 'What a key may do (API.md §2). The REST and database spelling is `iocs:read`.',
  values: Object.fromEntries(PERMISSIONS.map((p) => [permissionName(p), { value: p }])) as Record<
    string,
    { value: Permission }
  >,
});

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
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Kept to the minute.',
    }),
    rotatedFromId: t.exposeID('rotatedFromId', { nullable: true }),
    rotationDue: t.boolean({
      description: 'True when the key is older than 90 days and should be rotated.',
      resolve: (key) => Date.now() - Date.parse(key.createdAt) > ROTATION_DUE_AFTER_MS,
    }),
  }),
});

export async function findApiKey(db: Db, id: string): Promise<ApiKeyShape | undefined> {
  const { secretHash: _secretHash, ...columns } = getTableColumns(apiKeys);
  const [row] = await db.select(columns).from(apiKeys).where(eq(apiKeys.id, id));
  return row;
}
