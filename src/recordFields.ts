/**
 * The fields each record shows to API clients, per type, in order (camelCase: the GraphQL names;
 * the REST names are their snake_case). The REST route table selects them, and webhook payloads,
 * made outside any request, render the same fields (src/alerts/json.ts), so the two cannot drift
 * apart. A fact about the records, below both doors that use it.
 */
export const REST_FIELDS = {
  ioc: ['id', 'type', 'value', 'threatType', 'malwareFamily', 'confidence', 'severity', 'tlp', 'tags', 'source', 'shared', 'firstSeen', 'lastSeen', 'createdAt', 'updatedAt'],
  credentialLeak: ['id', 'email', 'domain', 'username', 'site', 'passwordMasked', 'sourceName', 'sourceType', 'leakedAt', 'discoveredAt', 'severity'],
  cardLeak: ['id', 'bin', 'last4', 'expiry', 'brand', 'sourceName', 'leakedAt', 'discoveredAt'],
} as const;
