import type { AlertFeed } from '../alerts/feed.js';
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/handle.js';
import type { OpenAnswers } from '../http/openAnswers.js';
import type { IocChangeFeed } from '../iocs/changes.js';
import type { WebhookSettings } from '../webhooks/settings.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver sees: built once per request, after the key was verified, never changed. */
export interface Context {
  readonly requestId: string;
  readonly principal: Principal;
  readonly db: Db;
  readonly loaders: Loaders;
  /** New and changed IOCs as they happen, for subscriptions. */
  readonly changes: IocChangeFeed;
  /** New alerts as they are raised, for subscriptions. */
  readonly alerts: AlertFeed;
  /** Streams and exports counted per caller (API.md §12). */
  readonly openAnswers: OpenAnswers;
  /** Aborted when the client goes away: long answers stop their work then. */
  readonly signal: AbortSignal;
  /** How webhook secrets are sealed and where endpoints may point. */
  readonly webhooks: WebhookSettings;
}

/** What a process shares with every request's context. */
export interface Services {
  changes: IocChangeFeed;
  alerts: AlertFeed;
  openAnswers: OpenAnswers;
  webhooks: WebhookSettings;
}

/**
 * The one way a context is made, for GraphQL and REST requests alike: `db` is the request's own
 * handle (its statements can be cancelled), `request` gives the signal when asked.
 */
export function createContext(requestId: string, principal: Principal, db: Db, services: Services, request: { readonly signal: AbortSignal }): Context {
  return {
    requestId,
    principal,
    db,
    changes: services.changes,
    alerts: services.alerts,
    openAnswers: services.openAnswers,
    webhooks: services.webhooks,
    get signal() {
      return request.signal;
    },
    loaders: createLoaders(db),
  };
}
