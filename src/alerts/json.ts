/**
 * An alert as the REST routes show it (API.md §10), for webhook payloads, which are made outside
 * any request: the same snake_case fields as `GET /api/v1/alerts/{id}`, timestamps in ISO 8601.
 * A test holds the two to the same bytes.
 */
import { snakeCase } from 'change-case';
import { isoTimestamp } from '../db/time.js';
import type { AlertRecord, AlertRow } from './repository.js';

const TIMESTAMPS = new Set(['leakedAt', 'discoveredAt', 'firstSeen', 'lastSeen', 'createdAt', 'updatedAt']);
/** Row fields that no REST body shows. */
const INTERNAL = new Set(['__kind', 'workspaceId']);

/** The REST field order of each record kind (src/rest/routes.ts selects them in this order). */
const FIELDS: Record<AlertRecord['__kind'], readonly string[]> = {
  credential_leak: ['id', 'email', 'domain', 'username', 'site', 'passwordMasked', 'sourceName', 'sourceType', 'leakedAt', 'discoveredAt', 'severity'],
  card_leak: ['id', 'bin', 'last4', 'expiry', 'brand', 'sourceName', 'leakedAt', 'discoveredAt'],
  ioc: ['id', 'type', 'value', 'threatType', 'malwareFamily', 'confidence', 'severity', 'tlp', 'tags', 'source', 'shared', 'firstSeen', 'lastSeen', 'createdAt', 'updatedAt'],
};

function recordJson(record: AlertRecord): Record<string, unknown> {
  const source = record as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of FIELDS[record.__kind]) {
    if (INTERNAL.has(field)) continue;
    const value = source[field] ?? null;
    out[snakeCase(field)] = TIMESTAMPS.has(field) && typeof value === 'string' ? isoTimestamp(value) : value;
  }
  return out;
}

export function alertJson(alert: AlertRow, record: AlertRecord | null): Record<string, unknown> {
  return {
    id: alert.id,
    watchlist_id: alert.watchlistId,
    entry: { id: alert.entryId, type: alert.entryType, value: alert.entryValue },
    kind: alert.kind,
    record: record && recordJson(record),
    status: alert.status,
    created_at: isoTimestamp(alert.createdAt),
    updated_at: isoTimestamp(alert.updatedAt),
  };
}
