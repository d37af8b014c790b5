/**
 * Watchlist matching (docs/api.md §10), done by the database in the statement that writes the data:
 * each incoming record carries the keys it can be matched on, in the form of the entries'
 * `match_key` (drizzle/0007), and one join on that column's index finds every entry it matches.
 * A domain entry matches its domain and everything under it, so a record carries a key for its
 * domain and for each parent down to two labels (`d:example.acme.login.`, `d:example.acme.`).
 */
import { domainKey } from '../core/normalize.js';
import { leakAccessSql } from '../core/plans.js';

/** `example.acme.login.` → its prefixes of two labels or more, itself included. */
function domainPrefixes(key: string, into: Set<string>): void {
  let at = key.indexOf('.');
  for (at = key.indexOf('.', at + 1); at >= 0; at = key.indexOf('.', at + 1)) into.add(`d:${key.slice(0, at + 1)}`);
}

/** A credential leak: its email's domain and its site, each with their parents, and its email. */
export function credentialMatchKeys(leak: {
  email: string | null;
  domainKey: string | null;
  siteKey: string | null;
}): string[] {
  const keys = new Set<string>();
  if (leak.domainKey) domainPrefixes(leak.domainKey, keys);
  if (leak.siteKey) domainPrefixes(leak.siteKey, keys);
  if (leak.email) keys.add(`e:${leak.email}`);
  return [...keys];
}

/** An IOC: the host of a domain, URL or email (with its parents), and an email itself. */
export function iocMatchKeys(type: string, value: string): string[] {
  const keys = new Set<string>();
  let host: string | null = null;
  if (type === 'domain') host = value;
  else if (type === 'email') {
    keys.add(`e:${value}`);
    host = value.slice(value.lastIndexOf('@') + 1);
  } else if (type === 'url') {
    try {
      host = new URL(value).hostname;
    } catch {
      host = null;
    }
  }
  if (host && host.includes('.')) domainPrefixes(domainKey(host), keys);
  return [...keys];
}

/** Keywords shorter than this match nothing: they would match half the feed. */
export const MIN_KEYWORD_LENGTH = 4;

/**
 * The alerts of the leaks a statement just wrote, as SQL to append to that statement's CTEs:
 * `records` names a CTE with `id` and `key`, one row per key a record carries. Only workspaces
 * that may read leaks are alerted (enterprise plan, active billing); entries are inside their
 * workspace's scope by construction. One alert per (entry, record): what matched before raises nothing again.
 */
export function matchedAlertsSql(records: string, kind: 'credential_leak' | 'card_leak'): string {
  return `INSERT INTO alerts (id, workspace_id, watchlist_id, entry_id, entry_type, entry_value, kind, record_id)
    SELECT uuidv7(), w.workspace_id, w.id, e.id, e.type, e.value, '${kind}', r.id
    FROM ${records} r
    JOIN watchlist_entries e ON e.match_key = r.key
    JOIN watchlists w ON w.id = e.watchlist_id
    JOIN workspaces ws ON ws.id = w.workspace_id AND ${leakAccessSql('ws')}
    ON CONFLICT DO NOTHING
    RETURNING workspace_id`;
}
