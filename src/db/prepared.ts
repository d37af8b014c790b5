/**
 * Queries of the hot paths are built once per shape and prepared, instead of being assembled by
 * the query builder on every request (its per-call cost showed up in profiles: docs/performance.md).
 */
import type { Db } from './client.js';

const cache = new WeakMap<Db, Map<string, unknown>>();

/** The prepared query named `name` for this database, built by `build` the first time. */
export function prepared<Q>(db: Db, name: string, build: () => Q): Q {
  let byName = cache.get(db);
  if (!byName) cache.set(db, (byName = new Map()));
  let query = byName.get(name) as Q | undefined;
  if (query === undefined) byName.set(name, (query = build()));
  return query;
}
