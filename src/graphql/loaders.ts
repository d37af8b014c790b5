/** Per-request DataLoaders: one query for the entries of every watchlist on a page. */
import DataLoader from 'dataloader';
import type { Db } from '../db/client.js';
import { entriesOf, type WatchlistEntryRow } from '../watchlists/repository.js';

export function createLoaders(db: Db) {
  return {
    watchlistEntries: new DataLoader<string, WatchlistEntryRow[]>(async (ids) => {
      const byWatchlist = new Map<string, WatchlistEntryRow[]>(ids.map((id) => [id, []]));
      for (const row of await entriesOf(db, ids)) byWatchlist.get(row.watchlistId)?.push(row);
      return ids.map((id) => byWatchlist.get(id)!);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
