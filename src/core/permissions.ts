/** The permissions a key can carry (docs/api.md §2): least privilege, one name per capability. */
export const PERMISSIONS = [
  'iocs:read',
  'iocs:write',
  'watchlists:read',
  'watchlists:write',
  'dataleaks:read',
  'passwords:read',
  'webhooks:read',
  'webhooks:write',
  'keys:read',
  'keys:write',
  'scope:write',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** What a new key gets when its creator names no permissions: read access to the threat data. */
export const DEFAULT_KEY_PERMISSIONS: readonly Permission[] = ['iocs:read', 'watchlists:read', 'dataleaks:read'];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
