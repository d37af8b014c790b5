/**
 * An alert as the REST routes show it (docs/api.md §10), for webhook payloads, which are made outside
 * any request: the same snake_case fields as `GET /api/v1/alerts/{id}`, timestamps in ISO 8601.
 * The fields come from the records' declarations (src/core/records.ts), which the route table selects too; a test holds
 * a payload equal to the REST answer.
 */
import { CARD_LEAK_FIELDS, CREDENTIAL_LEAK_FIELDS } from '../dataleaks/record.js';
import { isoTimestamp } from '../db/time.js';
import { IOC_FIELDS } from '../iocs/record.js';
import { restShaper } from '../core/records.js';
import type { AlertRecord, AlertRow } from './repository.js';

const SHAPERS: Record<AlertRecord['__kind'], (row: object) => Record<string, unknown>> = {
  credential_leak: restShaper(CREDENTIAL_LEAK_FIELDS, isoTimestamp) as (row: object) => Record<string, unknown>,
  card_leak: restShaper(CARD_LEAK_FIELDS, isoTimestamp) as (row: object) => Record<string, unknown>,
  ioc: restShaper(IOC_FIELDS, isoTimestamp) as (row: object) => Record<string, unknown>,
  scope: (row) => {
    const { domain, status } = row as { domain: string; status: string };
    return { domain, status };
  },
};

const recordJson = (record: AlertRecord) => SHAPERS[record.__kind](record);

export function alertJson(alert: AlertRow, record: AlertRecord | null): Record<string, unknown> {
  return {
    id: alert.id,
    watchlist_id: alert.watchlistId,
    entry: alert.entryType === null ? null : { id: alert.entryId, type: alert.entryType, value: alert.entryValue },
    kind: alert.kind,
    record: record && recordJson(record),
    status: alert.status,
    created_at: isoTimestamp(alert.createdAt),
    updated_at: isoTimestamp(alert.updatedAt),
  };
}
