/**
 * An alert as the REST routes show it (API.md §10), for webhook payloads, which are made outside
 * any request: the same snake_case fields as `GET /api/v1/alerts/{id}`, timestamps in ISO 8601.
 * The fields come from the one list the route table selects (src/rest/fields.ts); a test holds
 * a payload equal to the REST answer.
 */
import { snakeCase } from 'change-case';
import { isoTimestamp } from '../db/time.js';
import { REST_FIELDS } from '../recordFields.js';
import type { AlertRecord, AlertRow } from './repository.js';

const TIMESTAMPS = new Set(['leakedAt', 'discoveredAt', 'firstSeen', 'lastSeen', 'createdAt', 'updatedAt']);

const FIELDS: Record<AlertRecord['__kind'], readonly string[]> = {
  credential_leak: REST_FIELDS.credentialLeak,
  card_leak: REST_FIELDS.cardLeak,
  ioc: REST_FIELDS.ioc,
};

function recordJson(record: AlertRecord): Record<string, unknown> {
  const source = record as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of FIELDS[record.__kind]) {
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
