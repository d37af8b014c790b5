import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import type { IocChangeFeed } from '../iocs/changes.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver sees: built once per request, after the key was verified, never changed. */
export interface Context {
  readonly requestId: string;
  readonly principal: Principal;
  readonly db: Db;
  readonly loaders: Loaders;
  /** New and changed IOCs as they happen, for subscriptions. */
  readonly changes: IocChangeFeed;
}

/** The one way a context is made, for GraphQL and REST requests alike. */
export function createContext(requestId: string, principal: Principal, db: Db, changes: IocChangeFeed): Context {
  return { requestId, principal, db, changes, loaders: createLoaders(db) };
}
