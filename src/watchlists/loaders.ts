/**
 * Per-request DataLoaders of watchlists: one query for the entries of every watchlist on a page.
 * Each loader is made on first use, so the many requests that need none (the IOC listing) pay
 * nothing for them.
 */
import DataLoader from 'dataloader';
import type { Db } from '../db/handle.js';
import { entriesOf, type WatchlistEntryRow } from './repository.js';

declare module '../graphql/context.js' {
  interface Loaders {
    readonly watchlistEntries: DataLoader<string, WatchlistEntryRow[]>;
  }
}

export function watchlistLoaders(db: Db) {
  let watchlistEntries: DataLoader<string, WatchlistEntryRow[]> | undefined;
  return {
    get watchlistEntries() {
      return (watchlistEntries ??= new DataLoader<string, WatchlistEntryRow[]>(async (ids) => {
        const byWatchlist = new Map<string, WatchlistEntryRow[]>(ids.map((id) => [id, []]));
        for (const row of await entriesOf(db, ids)) byWatchlist.get(row.watchlistId)?.push(row);
        return ids.map((id) => byWatchlist.get(id)!);
      }));
    },
  };
}
