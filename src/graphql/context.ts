import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/client.js';
import type { Loaders } from './loaders.js';

/** What every resolver sees: built once per request, after the key was verified, never changed. */
export interface Context {
  readonly requestId: string;
  readonly principal: Principal;
  readonly db: Db;
  readonly loaders: Loaders;
}
